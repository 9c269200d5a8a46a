"""Fixtures of the jobs tests: the OpenAI-compatible test server, the recording SMTP server,
a Redis namespace of this run, and real Celery worker processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from pydantic import SecretStr
from sqlalchemy.orm import Session, sessionmaker

from inboxsync.config import Settings
from inboxsync.db import mailboxes
from inboxsync.jobs import close_queues
from tests.support.dovecot import DovecotServer, ImapUser
from tests.support.fake_openai import FakeOpenAI
from tests.support.smtp_server import SmtpServer

REDIS_URL = os.environ.get("INBOXSYNC_TEST_REDIS", "redis://127.0.0.1:6379/0")
# Workers are started once per module, so IMAP users of the jobs tests share one password,
# which the workers find in this variable.
IMAP_PASSWORD_ENV = "INBOXSYNC_TEST_JOBS_IMAP_PASSWORD"
IMAP_PASSWORD = f"pw-{uuid.uuid4().hex}"
INBOXSYNC = Path(sys.executable).with_name("inboxsync")


@pytest.fixture(scope="session")
def fake_ai() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI().start()
    yield server
    server.stop()


@pytest.fixture
def ai(fake_ai: FakeOpenAI) -> FakeOpenAI:
    fake_ai.reset()
    return fake_ai


@pytest.fixture
def sync_settings(
    db_url: str, ai: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Settings]:
    """Settings of an inline `sync_mailbox` run: the test AI, the jobs tests' IMAP password."""
    monkeypatch.setenv(IMAP_PASSWORD_ENV, IMAP_PASSWORD)
    yield Settings(
        db=db_url,
        ai={
            "provider": "openai",
            "openai_api_key": SecretStr("sk-test"),
            "openai_base_url": ai.url,
        },
        imap={"retries": 1, "timeout_seconds": 10},
    )
    close_queues()


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def smtp(smtp_server: SmtpServer) -> Iterator[SmtpServer]:
    smtp_server.reset()
    yield smtp_server
    smtp_server.reset()


def add_imap_mailbox(
    sessions: sessionmaker[Session], server: DovecotServer, company_id: int
) -> tuple[int, ImapUser]:
    """A mailbox of the company on the test Dovecot; its password is in IMAP_PASSWORD_ENV."""
    user = server.new_user(IMAP_PASSWORD)
    with sessions.begin() as session:
        mailbox_id = mailboxes.add_mailbox(
            session,
            company_id,
            host="127.0.0.1",
            port=server.port,
            tls="none",
            username=user.name,
            secret_kind="password",
            secret_ref=f"env:{IMAP_PASSWORD_ENV}",
        )
    return mailbox_id, user


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


def job_env(
    *,
    db_url: str,
    ai: FakeOpenAI,
    prefix: str,
    queue: str,
    **extra: str,
) -> dict[str, str]:
    """The environment of a worker or CLI process of the tests."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INBOXSYNC_", "OPENAI_"))}
    env.update(
        {
            "INBOXSYNC_DB": db_url,
            "INBOXSYNC_REDIS_URL": REDIS_URL,
            "INBOXSYNC_JOBS_KEY_PREFIX": prefix,
            "INBOXSYNC_JOBS_BACKEND": "celery",
            "INBOXSYNC_JOBS_QUEUE": queue,
            "INBOXSYNC_AI_PROVIDER": "openai",
            "OPENAI_API_KEY": "sk-test",
            "OPENAI_BASE_URL": ai.url,
            "INBOXSYNC_AI_TIMEOUT_SECONDS": "10",
            "INBOXSYNC_AI_CLAIM_TIMEOUT_SECONDS": "10",
            "INBOXSYNC_JOBS_BACKOFF_SECONDS": "0.2",
            "INBOXSYNC_SMTP_BACKOFF_SECONDS": "0.2",
            "INBOXSYNC_SMTP_TIMEOUT_SECONDS": "5",
            "INBOXSYNC_OUTBOX_LEASE_SECONDS": "3",
            "INBOXSYNC_IMAP_RETRIES": "1",
            IMAP_PASSWORD_ENV: IMAP_PASSWORD,
        }
    )
    env.update(extra)
    return env


class Worker:
    """A real `inboxsync worker` process (Celery, prefork pool)."""

    def __init__(self, env: dict[str, str], log: Path, concurrency: int = 1) -> None:
        self.log = log
        self.process = subprocess.Popen(
            [str(INBOXSYNC), "worker", f"--concurrency={concurrency}", "--loglevel=INFO"],
            env=env,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.wait_ready()

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"worker exited: {self.log.read_text()[-3000:]}")
            if b" ready." in self.log.read_bytes():
                return
            time.sleep(0.1)
        raise RuntimeError(f"worker not ready: {self.log.read_text()[-3000:]}")

    def children(self) -> list[int]:
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(p) for p in path.read_text().split()]
        except OSError:
            return []

    def stop(self) -> None:
        """Kill the worker and its pool (the tests wait for their jobs before stopping it)."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
