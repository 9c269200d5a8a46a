"""Sending one message over SMTP (none / STARTTLS / implicit TLS), in three steps.

The steps are separate so the caller can record "the server is about to get the data" between
the envelope and DATA: a worker that dies before that point left nothing sent and may simply be
retried; one that dies during DATA may have delivered, and the outbox does not send again.
"""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
from dataclasses import dataclass
from types import TracebackType

from inboxsync.errors import ConfigError, DeliveryUnknown, SmtpError

log = logging.getLogger(__name__)

TLS_MODES = ("none", "starttls", "ssl")


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    """A company's SMTP server; the password is the name of an environment variable."""

    host: str
    port: int
    tls: str
    username: str | None = None
    password_env: str | None = None
    from_address: str = ""
    # Where agents' replies are copied once sent (IMAP APPEND): a mailbox of the company.
    sent_mailbox_id: int | None = None
    sent_folder: str = ""

    def __post_init__(self) -> None:
        if self.tls not in TLS_MODES:
            raise ConfigError(f"SMTP tls must be one of {', '.join(TLS_MODES)}, not {self.tls!r}")


def resolve_password(settings: SmtpSettings) -> str | None:
    """The password named by `password_env`; ConfigError (naming the variable) when unset."""
    if not settings.username:
        return None
    if not settings.password_env:
        raise ConfigError(f"SMTP user {settings.username} has no --password-env")
    password = os.environ.get(settings.password_env)
    if password is None:
        raise ConfigError(f"environment variable {settings.password_env} (SMTP password) is unset")
    return password


def _failure(exc: Exception, step: str) -> SmtpError:
    if isinstance(exc, smtplib.SMTPResponseException):
        transient = 400 <= exc.smtp_code < 500 or isinstance(exc, smtplib.SMTPAuthenticationError)
        text = (
            exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else ""
        )
        return SmtpError(f"SMTP {step}: {exc.smtp_code} {text}".strip(), transient=transient)
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        transient = all(400 <= code < 500 for code in codes)
        return SmtpError(f"SMTP {step}: recipient refused {codes}", transient=transient)
    return SmtpError(f"SMTP {step}: {type(exc).__name__}: {exc}", transient=True)


class SmtpSession:
    """One SMTP connection: `open`, then `envelope(sender, recipient)`, then `data(bytes)`."""

    def __init__(
        self, settings: SmtpSettings, *, timeout: float, ca_file: str | None = None
    ) -> None:
        self.settings = settings
        self.timeout = timeout
        self.ca_file = ca_file
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpSession:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _tls_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.ca_file)

    def open(self) -> None:
        """Connect, say EHLO, secure the connection as configured and log in."""
        s = self.settings
        password = resolve_password(s)
        try:
            if s.tls == "ssl":
                self._smtp = smtplib.SMTP_SSL(
                    s.host, s.port, timeout=self.timeout, context=self._tls_context()
                )
            else:
                self._smtp = smtplib.SMTP(s.host, s.port, timeout=self.timeout)
            self._smtp.ehlo()
            if s.tls == "starttls":
                self._smtp.starttls(context=self._tls_context())
                self._smtp.ehlo()
            if s.username and password is not None:
                self._smtp.login(s.username, password)
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            raise _failure(exc, "connect") from exc

    def envelope(self, sender: str, recipient: str) -> None:
        """MAIL FROM and RCPT TO; nothing is delivered yet."""
        smtp = self._require()
        try:
            code, text = smtp.mail(sender)
            if code != 250:
                raise smtplib.SMTPSenderRefused(code, text, sender)
            code, text = smtp.rcpt(recipient)
            if code not in (250, 251):
                raise smtplib.SMTPRecipientsRefused({recipient: (code, text)})
        except (smtplib.SMTPException, OSError) as exc:
            raise _failure(exc, "envelope") from exc

    def data(self, message: bytes) -> None:
        """DATA: on a clear refusal raise SmtpError; on a broken connection, DeliveryUnknown."""
        smtp = self._require()
        try:
            code, text = smtp.data(message)
        except smtplib.SMTPResponseException as exc:
            raise _failure(exc, "data") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryUnknown(f"connection lost during DATA: {type(exc).__name__}") from exc
        if code != 250:
            raise _failure(smtplib.SMTPDataError(code, text), "data")

    def close(self) -> None:
        if self._smtp is None:
            return
        try:
            self._smtp.quit()
        except (smtplib.SMTPException, OSError):
            self._smtp.close()
        self._smtp = None

    def _require(self) -> smtplib.SMTP:
        if self._smtp is None:
            raise SmtpError("SMTP session is not open", transient=True)
        return self._smtp
