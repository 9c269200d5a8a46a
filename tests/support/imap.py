"""IMAP test helpers: a fresh user per test, IMAP settings for tests, a mailbox of a company on
the test Dovecot, and mail to put there; the `imap` fixture bundles them for one test."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from inboxsync.config import Settings
from inboxsync.db import mailboxes
from inboxsync.db.companies import add_company
from tests.factories import make_message
from tests.support.dovecot import DovecotServer, ImapUser

COMPANY_ADDRESS = "support@acme.example"
# Processes started once for many mailboxes (Celery workers, the jobs benchmark) find the
# password in this one variable: the IMAP users made for them share this password.
IMAP_PASSWORD_ENV = "INBOXSYNC_TEST_IMAP_PASSWORD"
IMAP_PASSWORD = f"pw-{uuid.uuid4().hex}"


@pytest.fixture
def imap_user(dovecot: DovecotServer) -> ImapUser:
    """A fresh IMAP user with an empty INBOX."""
    return dovecot.new_user()


def imap_settings(db_url: str, **overrides: Any) -> Settings:
    """Settings for tests: small batches, near-instant retries; `overrides` as
    `Settings.replace` takes them."""
    imap = {
        "fetch_batch": 4,
        "header_batch": 10,
        "retries": 2,
        "retry_wait_seconds": 0.01,
        "timeout_seconds": 10,
        "lease_seconds": 30,
    }
    return Settings(db=db_url, imap=imap).replace(**overrides)


def add_imap_mailbox(
    sessions: sessionmaker[Session],
    server: DovecotServer,
    company_id: int,
    user: ImapUser | None = None,
    *,
    password_env: str = IMAP_PASSWORD_ENV,
    folders: list[str] | None = None,
) -> tuple[int, ImapUser]:
    """A mailbox of the company on the test Dovecot (plain IMAP) for `user`, else for a new
    user whose password is IMAP_PASSWORD; the sync reads the password from `password_env`.
    Returns the mailbox id and the user."""
    user = user or server.new_user(IMAP_PASSWORD)
    with sessions.begin() as session:
        mailbox_id = mailboxes.add_mailbox(
            session,
            company_id,
            host="127.0.0.1",
            port=server.port,
            tls="none",
            username=user.name,
            secret_kind="password",
            secret_ref=f"env:{password_env}",
            folders=folders,
        )
    return mailbox_id, user


@dataclass
class Account:
    """A company with one IMAP mailbox on the test server."""

    company_id: int
    mailbox_id: int
    user: ImapUser
    env_var: str


def add_account(
    sessions: sessionmaker[Session],
    server: DovecotServer,
    user: ImapUser,
    monkeypatch: pytest.MonkeyPatch,
    *,
    folders: list[str] | None = None,
    company: str = "Acme",
    company_id: int | None = None,
) -> Account:
    """Create (or reuse) a company and a mailbox for `user`, its password in an env var."""
    env_var = f"INBOXSYNC_TEST_PW_{user.name.upper()}"
    monkeypatch.setenv(env_var, user.password)
    if company_id is None:
        with sessions.begin() as session:
            company_id = add_company(session, company, [COMPANY_ADDRESS])
    mailbox_id, _ = add_imap_mailbox(
        sessions, server, company_id, user, password_env=env_var, folders=folders
    )
    return Account(company_id, mailbox_id, user, env_var)


@dataclass
class ImapWorld:
    """What an IMAP test works in: its database, the session Dovecot, a fresh user and the
    test's environment (where the mailboxes' passwords go)."""

    sessions: sessionmaker[Session]
    db_url: str
    server: DovecotServer
    user: ImapUser
    monkeypatch: pytest.MonkeyPatch

    def account(
        self,
        user: ImapUser | None = None,
        *,
        folders: list[str] | None = None,
        company: str = "Acme",
        company_id: int | None = None,
    ) -> Account:
        """A company (a new one named `company`, or `company_id`) with a mailbox for `user`,
        by default the test's user."""
        return add_account(
            self.sessions,
            self.server,
            user or self.user,
            self.monkeypatch,
            folders=folders,
            company=company,
            company_id=company_id,
        )

    def new_user(self) -> ImapUser:
        """Another fresh IMAP user."""
        return self.server.new_user()

    def append(
        self, messages: list[bytes], folder: str = "INBOX", user: ImapUser | None = None
    ) -> None:
        """APPEND messages to a folder of `user` (by default the test's user), in order."""
        self.server.append(user or self.user, messages, folder)

    def settings(self, **overrides: Any) -> Settings:
        """`imap_settings` on the test's database."""
        return imap_settings(self.db_url, **overrides)


@pytest.fixture
def imap(
    sessions: sessionmaker[Session],
    db_url: str,
    dovecot: DovecotServer,
    imap_user: ImapUser,
    monkeypatch: pytest.MonkeyPatch,
) -> ImapWorld:
    """The test's IMAP world on both databases."""
    return ImapWorld(sessions, db_url, dovecot, imap_user, monkeypatch)


def crlf(raw: bytes) -> bytes:
    """`raw` with CRLF line ends, as an IMAP server stores and serves it."""
    return raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def mails(n: int, start: int = 0, *, tag: str = "m", **kwargs: object) -> list[bytes]:
    """`n` distinct customer messages with Message-IDs <tag-i@client.example>, CRLF line ends."""
    return [
        crlf(
            make_message(
                msgid=f"<{tag}-{i}@client.example>",
                sender=f"Client {i % 7} <client{i % 7}@client.example>",
                subject=f"Question number {i}",
                body=f"Hello, this is message {i}.\n",
                minutes=i,
                **kwargs,  # type: ignore[arg-type]
            )
        )
        for i in range(start, start + n)
    ]
