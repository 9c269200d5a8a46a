"""Mailbox orchestration: the lease, retries and folder selection around an IMAP sync, and the
sync of many mailboxes at once."""

from inboxsync.mailboxes.sync import MailboxLease, MailboxSyncReport, sync_all, sync_mailbox, watch

__all__ = ["MailboxLease", "MailboxSyncReport", "sync_all", "sync_mailbox", "watch"]
