"""The IMAP protocol: a connection (`connection`), a folder opened read-only and its commands
(`folder`), the fetch of a mailbox's new mail as a `Source` (`fetch`) and IDLE (`idle`).

The orchestration around it (leases, retries, many mailboxes) is `inboxsync.mailboxes`.
"""

from inboxsync.sources.imap.connection import ImapConnection, ImapEndpoint, TlsMode
from inboxsync.sources.imap.fetch import FetchLimits, FetchStepHook, ImapMailboxSource
from inboxsync.sources.imap.folder import ImapFolder
from inboxsync.sources.imap.idle import supports_idle, wait_for_change

__all__ = [
    "FetchLimits",
    "FetchStepHook",
    "ImapConnection",
    "ImapEndpoint",
    "ImapFolder",
    "ImapMailboxSource",
    "TlsMode",
    "supports_idle",
    "wait_for_change",
]
