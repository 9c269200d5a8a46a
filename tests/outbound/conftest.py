"""Fixtures of the outbound tests: settings that retry SMTP at once, and the TLS certificate
of the STARTTLS and implicit-TLS servers (the plain recording server is tests/conftest.py's)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from inboxsync import Inbox
from inboxsync.config import Settings
from inboxsync.jobs import close_queues
from tests.outbound.helpers import asked
from tests.support.smtp_server import SmtpServer, make_cert


@pytest.fixture
def settings(db_url: str) -> Settings:
    """Settings on the test database: SMTP retried at once, three attempts, 5 s timeouts."""
    return Settings(
        db=db_url,
        outbound={"smtp_backoff_seconds": 0, "smtp_timeout_seconds": 5, "smtp_max_attempts": 3},
    )


@pytest.fixture(scope="session")
def smtp_cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return make_cert(tmp_path_factory.mktemp("smtp-tls"))


@pytest.fixture
def inbox(settings: Settings) -> Iterator[Inbox]:
    """An Inbox on the test database with the settings above (its inline queue closed after)."""
    inbox = Inbox(settings)
    yield inbox
    close_queues()
    inbox.close()


@pytest.fixture
def question(
    sessions: sessionmaker[Session], settings: Settings, smtp: SmtpServer, tmp_path: Path
) -> int:
    """The id of Acme's conversation opened by Alice's question (`helpers.asked`)."""
    return asked(sessions, settings, smtp, tmp_path)
