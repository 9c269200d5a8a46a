"""An IMAP connection over IMAPClient: the endpoint, TLS, LOGIN or XOAUTH2, and error translation.

Socket and protocol failures become `ImapConnectionError` (transient: worth a retry), refused
credentials `AuthError`, anything else `SourceError`; no message ever carries a secret. Every
command goes through `ImapConnection.command`, which translates its errors and counts it.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

from imapclient import IMAPClient
from imapclient.exceptions import LoginError

from inboxsync.errors import AuthError, ImapConnectionError, SourceError
from inboxsync.sources.secrets import Secret

log = logging.getLogger(__name__)

TlsMode = Literal["ssl", "starttls", "none"]
IMAPLIB_LOGGER = "imapclient.imaplib"  # where IMAPClient sends imaplib's protocol trace


@dataclass(frozen=True, slots=True)
class ImapEndpoint:
    """Where and how to connect. The secret itself is passed separately, as a `Secret`."""

    host: str
    port: int
    tls: TlsMode
    username: str
    oauth2: bool = False
    ca_file: str | None = None
    timeout: float = 60.0

    @property
    def label(self) -> str:
        return f"{self.username}@{self.host}:{self.port}"


@dataclass
class ImapStats:
    """What a connection cost: commands sent (each one round trip) and message bytes received."""

    commands: int = 0
    bytes_downloaded: int = 0


def _ssl_context(ca_file: str | None) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=ca_file)


class ImapConnection:
    """A logged-in IMAP connection. Not thread-safe: one thread uses it at a time."""

    def __init__(self, client: IMAPClient, endpoint: ImapEndpoint) -> None:
        self.client = client
        self.endpoint = endpoint
        self.stats = ImapStats()
        self.condstore = False

    @classmethod
    def open(cls, endpoint: ImapEndpoint, secret: Secret) -> ImapConnection:
        """Connect, secure the channel, log in (password or XOAUTH2) and enable CONDSTORE."""
        with _translated(endpoint, "connect"):
            client = IMAPClient(
                endpoint.host,
                port=endpoint.port,
                ssl=endpoint.tls == "ssl",
                ssl_context=_ssl_context(endpoint.ca_file) if endpoint.tls == "ssl" else None,
                timeout=endpoint.timeout,
            )
        client.normalise_times = False
        # IMAPClient turns imaplib's tracing fully on, which formats the repr of every
        # response, bodies included, before its logger drops it: a third of a full sync's
        # fetch CPU. It stays on only when that logger would keep the lines.
        if not logging.getLogger(IMAPLIB_LOGGER).isEnabledFor(logging.DEBUG):
            client._imap.debug = 0
        conn = cls(client, endpoint)
        conn.stats.commands += 1  # the greeting
        try:
            conn._login(secret)
        except BaseException:
            conn.close()
            raise
        return conn

    def _login(self, secret: Secret) -> None:
        endpoint = self.endpoint
        if endpoint.tls == "starttls":
            with self.command("STARTTLS") as client:
                client.starttls(_ssl_context(endpoint.ca_file))
        with self.command("login") as client:
            try:
                if endpoint.oauth2:
                    client.oauth2_login(endpoint.username, secret.reveal())
                else:
                    client.login(endpoint.username, secret.reveal())
            except LoginError:
                # The server's text may quote what we sent: say only who was refused.
                raise AuthError(
                    f"{endpoint.label}: the server refused the login "
                    f"({'XOAUTH2 token' if endpoint.oauth2 else 'password'} rejected)"
                ) from None
        # IMAPClient keeps the capabilities the login response announced (no command then).
        with self.command("CAPABILITY", counted=False) as client:
            caps = client.capabilities()
        if b"CONDSTORE" in caps and b"ENABLE" in caps:
            with self.command("ENABLE CONDSTORE") as client:
                client.enable("CONDSTORE")
            self.condstore = True
        log.debug("logged in to %s (condstore=%s)", endpoint.label, self.condstore)

    @contextmanager
    def command(self, what: str, *, counted: bool = True) -> Iterator[IMAPClient]:
        """Send one command through the block: its failures become our errors (naming the
        server and `what`); once it succeeded it counts as one round trip, unless `counted`
        is False (an answer IMAPClient gives from what it already knows)."""
        with _translated(self.endpoint, what):
            yield self.client
        if counted:
            self.stats.commands += 1

    def close(self) -> None:
        """Log out (best effort) and close the socket."""
        try:
            self.client.logout()
            self.stats.commands += 1
        except Exception:  # the connection may already be gone
            with contextlib.suppress(Exception):
                self.client.shutdown()

    def __enter__(self) -> ImapConnection:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


@contextmanager
def _translated(endpoint: ImapEndpoint, what: str) -> Iterator[None]:
    """Turn socket and protocol exceptions into our errors, naming the server and the step."""
    where = f"{endpoint.label}: {what}"
    try:
        yield
    except (AuthError, SourceError):
        raise
    except ssl.SSLCertVerificationError as exc:
        raise SourceError(f"{where}: TLS certificate rejected ({exc.verify_message})") from None
    except socket.gaierror:
        raise SourceError(f"{where}: unknown host {endpoint.host!r}") from None
    except ConnectionRefusedError:
        raise ImapConnectionError(f"{where}: connection refused") from None
    except TimeoutError:
        raise ImapConnectionError(f"{where}: timed out after {endpoint.timeout:g} s") from None
    except (ConnectionError, EOFError, ssl.SSLError) as exc:
        raise ImapConnectionError(f"{where}: connection lost ({type(exc).__name__})") from None
    except OSError as exc:
        raise ImapConnectionError(f"{where}: network error ({exc.strerror or exc})") from None
    except imaplib.IMAP4.abort as exc:
        raise ImapConnectionError(f"{where}: connection closed by the server ({exc})") from None
    except imaplib.IMAP4.error as exc:
        raise SourceError(f"{where}: refused by the server ({exc})") from None
