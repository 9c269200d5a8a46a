"""The moving parts of one bench/scale.py run: worker processes and their environment, a
round queued by `inboxsync schedule --once`, waiting on the database and the broker."""

from __future__ import annotations

import statistics
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import redis
from tests.support.celery import INBOXSYNC, REDIS_URL, Worker, job_env
from tests.support.dovecot import DovecotServer
from tests.support.fake_openai import FakeOpenAI
from tests.support.imap import IMAP_PASSWORD, IMAP_PASSWORD_ENV


def worker_env(
    db_url: str, ai: FakeOpenAI, prefix: str, queue: str, **extra: str
) -> dict[str, str]:
    """The environment of the workers and of `inboxsync schedule`: the tests' job settings,
    the IMAP password every benchmark user shares, and `extra` (INBOXSYNC_* overrides)."""
    return job_env(db_url=db_url, ai=ai, prefix=prefix, queue=queue,
                   **{IMAP_PASSWORD_ENV: IMAP_PASSWORD, **extra})  # fmt: skip


class HostWorker(Worker):
    """An `inboxsync worker` in a UTS namespace of its own, under another host name: to the
    mailbox lease it is another machine, so its dead sync's lease must expire."""

    def __init__(self, env: dict[str, str], log: Path, hostname: str) -> None:
        self.log = log
        command = f"hostname {hostname} && exec {INBOXSYNC} worker --concurrency=1 --loglevel=INFO"
        self.process = subprocess.Popen(
            ["unshare", "--uts", "sh", "-c", command],
            env=env,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.wait_ready()


def start_workers(env: dict[str, str], logs: Path, count: int, concurrency: int) -> list[Worker]:
    """`count` workers of `concurrency` pool processes each, ready to take jobs."""
    return [Worker(env, logs / f"worker-{i}.log", concurrency) for i in range(count)]


def schedule(env: dict[str, str]) -> subprocess.Popen[bytes]:
    """Start `inboxsync schedule --once` (it queues one `sync_mailbox` per mailbox and exits)."""
    return subprocess.Popen(
        [str(INBOXSYNC), "schedule", "--once"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def finish(process: subprocess.Popen[bytes]) -> None:
    """Wait for a schedule process; raise with its stderr if it failed."""
    _, err = process.communicate(timeout=120)
    if process.returncode != 0:
        raise RuntimeError(f"inboxsync schedule failed: {err.decode(errors='replace')[-2000:]}")


def queue_idle(prefix: str, queue: str) -> bool:
    """No job waiting in the queue and none delivered but unacknowledged."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        base = f"{prefix}:celery:"
        return int(client.llen(base + queue)) == 0 and int(client.hlen(base + "unacked")) == 0
    finally:
        client.close()


def drop_keys(prefix: str) -> None:
    """Delete every Redis key of a run (its queue, unacknowledged jobs, bindings)."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        for key in client.scan_iter(f"{prefix}:*", count=1000):
            client.delete(key)
    finally:
        client.close()


def wait_until(check: Callable[[], bool], what: str, timeout: float = 1800.0,
               every: float = 0.25) -> None:  # fmt: skip
    """Poll `check` (a light query, so polling does not take the workers' CPU)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(every)


def dovecot_pid(server: DovecotServer) -> int:
    """The Dovecot master's pid (its `imap` processes are its children)."""
    return int((server.root / "run" / "master.pid").read_text().split()[0])


def load_average() -> str:
    """The 1-, 5- and 15-minute load averages."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def summary(values: list[float]) -> dict[str, Any]:
    """Median, min and max of a list of figures."""
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}
