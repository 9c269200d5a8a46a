"""Fixtures of the jobs tests: settings of an inline run on the test AI and the test IMAP
password, and a Redis namespace of this run (the workers are tests/support/celery.py's)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import redis

from inboxsync.config import Settings
from inboxsync.jobs import close_queues
from tests.support.ai import fake_ai_settings
from tests.support.celery import REDIS_URL
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


@pytest.fixture(scope="session")
def redis_prefix() -> Iterator[str]:
    """A key prefix of this test run; every key under it is deleted at the end."""
    prefix = f"inboxsync-test-{uuid.uuid4().hex[:10]}"
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis is not reachable at {REDIS_URL}: {exc}")
    yield prefix
    for key in client.scan_iter(f"{prefix}*", count=1000):
        client.delete(key)
    client.close()
