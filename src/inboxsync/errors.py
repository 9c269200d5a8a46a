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


class SignInThrottled(AuthError):
    """Too many failed sign-ins: the address is locked for a while, whatever the password."""


class MailboxBusyError(InboxsyncError):
    """Another process holds the lease on this mailbox."""


class MessageParseError(InboxsyncError):
    """One message cannot be parsed; the pipeline quarantines it."""


class ImapConnectionError(SourceError):
    """The connection failed, was cut, timed out or the server said BYE: a retry may succeed."""


class SmtpError(InboxsyncError):
    """Sending failed; `transient` says whether a later attempt may succeed."""

    def __init__(self, message: str, *, transient: bool) -> None:
        super().__init__(message)
        self.transient = transient


class DeliveryUnknown(InboxsyncError):
    """The connection broke during DATA: the server may or may not have taken the message."""


class QueueUnavailable(InboxsyncError):
    """The job broker (Redis) cannot be reached."""


class RetryLater(InboxsyncError):
    """Raised by a job that cannot finish now and wants to run again after `delay` seconds."""

    def __init__(self, delay: float, reason: str = "") -> None:
        super().__init__(reason or f"retry in {delay:.1f}s")
        self.delay = max(0.0, delay)
        self.reason = reason


class UnstorableValue(InboxsyncError):
    """A key is longer than its column: storing it cut would make it another key."""


class MalformedAnswer(InboxsyncError, ValueError):
    """An AI answer is not the JSON object the schema asks for."""
