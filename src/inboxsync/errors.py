"""The exceptions inboxsync raises. The CLI turns each into one line and an exit code."""


class InboxsyncError(Exception):
    """Base of every error inboxsync raises on purpose."""

    exit_code = 1


class UsageError(InboxsyncError):
    """The caller asked for something that does not exist or does not fit (exit 2)."""

    exit_code = 2


class NotFound(UsageError):
    """No such thing in this company: an unknown id and another company's id look the same."""


class ConfigError(InboxsyncError):
    """A setting is missing or wrong (exit 2)."""

    exit_code = 2


class DatabaseError(InboxsyncError):
    """The database is unreachable or not migrated."""


class SourceError(InboxsyncError):
    """A mail source cannot be read at all (a single bad message is quarantined instead)."""


class AuthError(SourceError):
    """A server refused our credentials."""


class MailboxBusyError(InboxsyncError):
    """Another process holds the lease on this mailbox."""


class MessageParseError(InboxsyncError):
    """One message cannot be parsed; the pipeline quarantines it."""
