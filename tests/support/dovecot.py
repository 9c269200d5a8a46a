"""A real Dovecot IMAP server on a loopback port, started without systemd, for the IMAP tests.

One server per test session; each test gets its own user (`new_user`), so Maildirs never mix.
Run as root, mail belongs to `nobody`; run as another user, Dovecot runs entirely as that user.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from imapclient import IMAPClient

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_port(port: int, timeout: float = 20.0) -> None:
    """Block until something accepts connections on 127.0.0.1:port."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


@dataclass(frozen=True)
class ImapUser:
    """A Dovecot user of the test server."""

    name: str
    password: str
    maildir: Path


class DovecotServer:
    """Dovecot in the foreground (`dovecot -F`), passwd-files and Maildirs in a temp folder."""

    def __init__(self, root: Path | None = None) -> None:
        # pytest's tmp folders are 0700 and root-owned: the mail user could not traverse them.
        self.root = root or Path(tempfile.mkdtemp(prefix="inboxsync-dovecot-"))
        self.root.chmod(0o755)
        self.port = free_port()
        self.ssl_port = free_port()
        self.cert = self.root / "cert.pem"
        # One passwd-file per user: Dovecot re-reads a changed file only once its mtime moves.
        self._passwd = self.root / "passwd"
        self._proc: subprocess.Popen[bytes] | None = None
        if os.geteuid() == 0:
            mail = pwd.getpwnam("nobody")
            self.mail_uid, self.mail_gid = mail.pw_uid, mail.pw_gid
        else:
            self.mail_uid, self.mail_gid = os.getuid(), os.getgid()

    @property
    def config(self) -> Path:
        return self.root / "dovecot.conf"

    def start(self) -> DovecotServer:
        for sub in ("run", "state", "home", "passwd"):
            (self.root / sub).mkdir(exist_ok=True)
        (self.root / "home").chmod(0o755)
        self._write_cert()
        self.config.write_text(self._config_text())
        self._proc = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(self.config)],
            stdout=subprocess.DEVNULL,
            stderr=open(self.root / "stderr.log", "wb"),  # noqa: SIM115
        )
        try:
            wait_for_port(self.port)
            wait_for_port(self.ssl_port)
        except TimeoutError:
            self.stop()
            raise RuntimeError(f"dovecot did not start: {self.log_text()}") from None
        return self

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
            self._proc = None
        shutil.rmtree(self.root, ignore_errors=True)

    def log_text(self) -> str:
        parts = []
        for name in ("dovecot.log", "stderr.log"):
            path = self.root / name
            if path.exists():
                parts.append(path.read_text(errors="replace"))
        return "\n".join(parts)

    def new_user(self, password: str | None = None) -> ImapUser:
        """A fresh user with an empty Maildir (its INBOX exists once Dovecot first opens it)."""
        name = f"u{uuid.uuid4().hex[:10]}"
        password = password or f"pw-{uuid.uuid4().hex}"
        (self._passwd / name).write_text(f"{name}:{{PLAIN}}{password}::::::\n")
        home = self.root / "home" / name
        maildir = home / "Maildir"
        for sub in ("cur", "new", "tmp"):
            (maildir / sub).mkdir(parents=True, exist_ok=True)
        for path in (home, maildir, *maildir.iterdir()):
            os.chown(path, self.mail_uid, self.mail_gid)
        return ImapUser(name=name, password=password, maildir=maildir)

    def client(self, user: ImapUser) -> IMAPClient:
        """A logged-in IMAPClient for seeding and inspecting the server."""
        client = IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=30)
        client.login(user.name, user.password)
        return client

    def append(self, user: ImapUser, messages: list[bytes], folder: str = "INBOX") -> None:
        """APPEND messages to a folder (created when missing), in order."""
        with self.client(user) as client:
            if folder != "INBOX" and not client.folder_exists(folder):
                client.create_folder(folder)
            for raw in messages:
                client.append(folder, raw)

    def recreate_folder(self, user: ImapUser, folder: str, messages: list[bytes]) -> None:
        """Delete and recreate a folder with `messages`: the folder gets a new UIDVALIDITY."""
        with self.client(user) as client:
            client.delete_folder(folder)
            client.create_folder(folder)
            for raw in messages:
                client.append(folder, raw)

    def _write_cert(self) -> None:
        key = self.root / "key.pem"
        subprocess.run(
            [
                "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                "-keyout", str(key), "-out", str(self.cert),
            ],
            check=True,
            capture_output=True,
        )  # fmt: skip
        key.chmod(0o600)

    def _config_text(self) -> str:
        r = self.root
        lines = [
            "protocols = imap",
            "listen = 127.0.0.1",
            f"base_dir = {r}/run",
            f"state_dir = {r}/state",
            f"log_path = {r}/dovecot.log",
            f"info_log_path = {r}/dovecot.log",
            "ssl = yes",
            f"ssl_cert = <{self.cert}",
            f"ssl_key = <{r}/key.pem",
            "disable_plaintext_auth = no",
            "auth_mechanisms = plain login xoauth2",
            "first_valid_uid = 1",
            "auth_failure_delay = 0",
            # No auth penalty (delays of up to 15 s for every login from an IP after a failure):
            # the auth process disables it when it cannot open anvil's penalty socket.
            "service anvil {\n  unix_listener anvil-auth-penalty {\n    mode = 0\n  }\n}",
            "mail_location = maildir:~/Maildir",
            "passdb {",
            "  driver = passwd-file",
            f"  args = scheme=PLAIN username_format=%u {self._passwd}/%u",
            "}",
            "userdb {",
            "  driver = static",
            f"  args = uid={self.mail_uid} gid={self.mail_gid} home={r}/home/%u",
            "}",
            "service imap-login {",
            f"  inet_listener imap {{\n    port = {self.port}\n  }}",
            f"  inet_listener imaps {{\n    port = {self.ssl_port}\n    ssl = yes\n  }}",
            "}",
        ]
        if os.geteuid() != 0:
            user = pwd.getpwuid(os.getuid()).pw_name
            lines += [
                f"default_internal_user = {user}",
                f"default_login_user = {user}",
                "service anvil {\n  chroot =\n}",
                "service imap-login {\n  chroot =\n}",
            ]
        return "\n".join(lines) + "\n"
