"""Real Celery workers for the tests and benchmarks: the Redis broker, the environment of a
worker process, and `inboxsync worker` processes started and killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis

from tests.support.fake_openai import FakeOpenAI

REDIS_URL = os.environ.get("INBOXSYNC_TEST_REDIS", "redis://127.0.0.1:6379/0")
INBOXSYNC = Path(sys.executable).with_name("inboxsync")


def job_env(
    *,
    db_url: str,
    ai: FakeOpenAI,
    prefix: str,
    queue: str,
    **extra: str,
) -> dict[str, str]:
    """The environment of a worker or CLI process on the Celery backend: the database, Redis
    keys under `prefix`, the fake AI, short waits; `extra` variables added last."""
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
        """Return once the worker says it is ready; RuntimeError with its log otherwise."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"worker exited: {self.log.read_text()[-3000:]}")
            if b" ready." in self.log.read_bytes():
                return
            time.sleep(0.1)
        raise RuntimeError(f"worker not ready: {self.log.read_text()[-3000:]}")

    def children(self) -> list[int]:
        """The pids of the worker's pool processes."""
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


def wait_for(check: Callable[[], bool], timeout: float = 60.0, what: str = "") -> None:
    """Block until `check()` is true (polled every 0.2 s); fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what or check}")
