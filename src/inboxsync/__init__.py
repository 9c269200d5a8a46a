"""inboxsync: keep a company's shared inbox in sync.

What users import lives here; everything else is an implementation detail.
"""

from inboxsync.api import Inbox, RetryReport
from inboxsync.config import Settings
from inboxsync.db.quarantine import QuarantineEntry
from inboxsync.errors import (
    AuthError,
    ConfigError,
    DatabaseError,
    InboxsyncError,
    MailboxBusyError,
    MessageParseError,
    NotFound,
    SourceError,
    UsageError,
)
from inboxsync.mailboxes import MailboxSyncReport
from inboxsync.pipeline.report import SyncReport

__version__ = "0.1.0"

__all__ = [
    "AuthError",
    "ConfigError",
    "DatabaseError",
    "Inbox",
    "InboxsyncError",
    "MailboxBusyError",
    "MailboxSyncReport",
    "MessageParseError",
    "NotFound",
    "QuarantineEntry",
    "RetryReport",
    "Settings",
    "SourceError",
    "SyncReport",
    "UsageError",
    "__version__",
]
