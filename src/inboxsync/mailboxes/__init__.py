"""Mailbox orchestration around the IMAP protocol (`sources/imap`): the lease (`lease`), retries
and folder selection of one mailbox and the sync of many (`sync`), and `watch` (`watcher`)."""

from inboxsync.mailboxes.lease import MailboxLease
from inboxsync.mailboxes.sync import MailboxSyncReport, NewConversationsHook, sync_all, sync_mailbox
from inboxsync.mailboxes.watcher import watch

__all__ = [
    "MailboxLease",
    "MailboxSyncReport",
    "NewConversationsHook",
    "sync_all",
    "sync_mailbox",
    "watch",
]
