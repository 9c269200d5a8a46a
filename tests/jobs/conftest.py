"""Fixtures of the jobs tests: settings of an inline run on the test AI and the test IMAP
password, and the Redis namespace of this run (tests/support/celery.py, as the workers)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from inboxsync.config import Settings
from inboxsync.jobs import close_queues
from tests.support.ai import fake_ai_settings
from tests.support.celery import redis_prefix
from tests.support.fake_openai import FakeOpenAI
from tests.support.imap import IMAP_PASSWORD, IMAP_PASSWORD_ENV


@pytest.fixture
def sync_settings(
    db_url: str, fake_openai: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Settings]:
    """Settings of an inline `sync_mailbox` run: the test AI, the jobs tests' IMAP password."""
    monkeypatch.setenv(IMAP_PASSWORD_ENV, IMAP_PASSWORD)
    yield fake_ai_settings(db_url, fake_openai, imap={"retries": 1, "timeout_seconds": 10})
    close_queues()


__all__ = ["redis_prefix"]  # a fixture of tests/support/celery.py
