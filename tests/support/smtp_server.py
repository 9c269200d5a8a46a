"""A real SMTP server for the tests (aiosmtpd on 127.0.0.1): records what it receives and fails
on demand: a 4xx or 5xx at RCPT or DATA, a DATA that is received but never answered (hang)."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import subprocess
import threading
from collections import deque
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass
class Received:
    """One message the server accepted."""

    mail_from: str
    rcpt_tos: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


class RecordingHandler:
    """aiosmtpd handler: keeps every message; `faults` is a queue of what to do next."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.faults: deque[str] = deque()
        self.lock = threading.Lock()
        self.released = threading.Event()
        self.hanging = threading.Event()
        self.rcpt_seen = 0

    def _fault(self, stage: str) -> str | None:
        with self.lock:
            if self.faults and self.faults[0].startswith(stage + ":"):
                return self.faults.popleft().partition(":")[2]
        return None

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        with self.lock:
            self.rcpt_seen += 1
        fault = self._fault("rcpt")
        if fault:
            return f"{fault} refused on demand"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        fault = self._fault("data")
        if fault and fault != "hang":
            return f"{fault} refused on demand"
        with self.lock:
            self.received.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content))
            )
        if fault == "hang":
            # Received, but the client never hears 250: as if the connection broke there.
            self.hanging.set()
            while not self.released.is_set():
                await asyncio.sleep(0.02)
        return "250 OK"


class SmtpServer:
    """Start with `start()`; `port`, `received`, `fail(...)`; stop with `stop()`."""

    def __init__(
        self,
        *,
        tls: str = "none",
        cert: tuple[Path, Path] | None = None,
        users: dict[str, str] | None = None,
    ) -> None:
        self.handler = RecordingHandler()
        self.tls = tls
        kwargs: dict[str, Any] = {"hostname": "127.0.0.1", "port": free_port()}
        if tls != "none":
            assert cert is not None
            import ssl

            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(str(cert[0]), str(cert[1]))
            if tls == "ssl":
                kwargs["ssl_context"] = context
            else:
                kwargs["tls_context"] = context
                kwargs["require_starttls"] = True
        if users:
            kwargs["authenticator"] = _authenticator(users)
            # aiosmtpd only counts STARTTLS as TLS; an implicit-TLS socket is TLS anyway.
            kwargs["auth_require_tls"] = tls == "starttls"
        self.controller = Controller(self.handler, **kwargs)

    def start(self) -> SmtpServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.handler.released.set()
        self.controller.stop()

    @property
    def port(self) -> int:
        return int(self.controller.port)

    @property
    def received(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.received)

    def fail(self, *faults: str) -> None:
        """Queue faults: `rcpt:451`, `rcpt:550`, `data:451`, `data:554`, `data:hang`."""
        with self.handler.lock:
            self.handler.faults.extend(faults)

    def release(self) -> None:
        """Let a hanging DATA answer."""
        self.handler.released.set()

    def reset(self) -> None:
        with self.handler.lock:
            self.handler.received.clear()
            self.handler.faults.clear()
            self.handler.rcpt_seen = 0
        self.handler.hanging.clear()
        self.handler.released.clear()


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _authenticator(users: dict[str, str]) -> Any:
    def check(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and users.get(data.login.decode()) == (
            data.password.decode()
        )
        return AuthResult(success=ok, handled=False)

    return check


def make_cert(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 / localhost (openssl); returns (cert, key)."""
    cert, key = folder / "smtp.crt", folder / "smtp.key"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-addext", "basicConstraints=critical,CA:TRUE",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key
