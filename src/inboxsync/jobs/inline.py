"""The embedded backend: jobs run on a thread pool of this process.

Retries follow the same rules as Celery's (the backoff of `inboxsync.retry`,
`jobs.max_retries`), but a retry due later than `max_delay` is not kept in memory: the job's
state is in the database (a `retry` outbox row, a `pending` conversation), so the next sync,
`schedule` round or worker picks it up instead of this process waiting for it.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy.orm import Session, sessionmaker

from inboxsync.config import Settings
from inboxsync.errors import RetryLater
from inboxsync.jobs.queue import PERMANENT_ERRORS, JobArg
from inboxsync.jobs.tasks import TASKS, JobContext
from inboxsync.retry import Backoff

log = logging.getLogger(__name__)


class InlineQueue:
    """A thread pool that runs jobs, retries them, and can be waited for (`join`)."""

    backend = "inline"

    def __init__(
        self,
        sessions: sessionmaker[Session],
        settings: Settings,
        *,
        threads: int | None = None,
        max_delay: float = 15.0,
    ) -> None:
        self.settings = settings
        self.max_delay = max_delay
        self._backoff = Backoff(settings.jobs.backoff_seconds, settings.jobs.max_backoff_seconds)
        self._context = JobContext(sessions, settings, self)
        self._pool = ThreadPoolExecutor(
            max_workers=threads or settings.jobs.threads, thread_name_prefix="inboxsync-job"
        )
        self._pending = 0
        self._done = threading.Condition()
        self._timers: set[threading.Timer] = set()
        self._closed = False
        self.runs = 0  # job executions, retries included
        self.completed = 0
        self.failed = 0
        self.dropped = 0

    def enqueue(self, task: str, *args: JobArg, delay: float = 0.0) -> None:
        """Run `task(*args)` on the pool (after `delay` seconds)."""
        if task not in TASKS:
            raise ValueError(f"unknown job {task!r}")
        with self._done:
            if self._closed:
                # Its state is in the database: the next run picks it up.
                log.info("queue closed: job %s%s left to the next run", task, args)
                return
            self._pending += 1
        self._schedule(task, args, attempt=0, delay=delay)

    def _schedule(self, task: str, args: tuple[JobArg, ...], attempt: int, delay: float) -> None:
        if delay <= 0:
            try:
                self._pool.submit(self._run, task, args, attempt)
            except RuntimeError:
                # The interpreter is exiting (`--async` with the inline backend): the pool
                # takes nothing new, so the job runs here, before the process ends.
                self._run(task, args, attempt)
            return
        timer = threading.Timer(delay, self._fire, (task, args, attempt))
        timer.daemon = True
        with self._done:
            self._timers.add(timer)
        timer.start()

    def _fire(self, task: str, args: tuple[JobArg, ...], attempt: int) -> None:
        with self._done:
            self._timers.discard(threading.current_thread())
            closed = self._closed
        if closed:
            self._finish(dropped=True)
            return
        self._pool.submit(self._run, task, args, attempt)

    def _run(self, task: str, args: tuple[JobArg, ...], attempt: int) -> None:
        with self._done:
            self.runs += 1
        try:
            TASKS[task](self._context, *args)
        except RetryLater as exc:
            self._retry(task, args, attempt, exc.delay, exc.reason)
            return
        except PERMANENT_ERRORS as exc:
            log.error("job %s%s failed, not retried: %s", task, args, exc)
            self._finish(failed=True)
            return
        except Exception as exc:
            if attempt < self.settings.jobs.max_retries:
                delay = self._backoff.delay(attempt + 1)
                log.warning("job %s%s failed (%s), retry in %.1fs", task, args, exc, delay)
                self._retry(task, args, attempt, delay, str(exc))
                return
            log.exception("job %s%s failed for good", task, args)
            self._finish(failed=True)
            return
        self._finish()

    def _retry(
        self, task: str, args: tuple[JobArg, ...], attempt: int, delay: float, reason: str
    ) -> None:
        if delay > self.max_delay:
            log.info(
                "job %s%s: retry in %.0fs left to the next run (%s)", task, args, delay, reason
            )
            self._finish(dropped=True)
            return
        self._schedule(task, args, attempt + 1, delay)

    def _finish(self, *, failed: bool = False, dropped: bool = False) -> None:
        with self._done:
            self._pending -= 1
            self.failed += failed
            self.dropped += dropped
            self.completed += not (failed or dropped)
            if self._pending == 0:
                self._done.notify_all()

    def join(self, timeout: float | None = None) -> bool:
        """Wait until every job (and every retry and follow-up job it queued) is done."""
        with self._done:
            return self._done.wait_for(lambda: self._pending == 0, timeout)

    def close(self) -> None:
        """Finish the running jobs, drop the timed retries, stop the threads."""
        with self._done:
            self._closed = True
            timers = list(self._timers)
        for timer in timers:
            timer.cancel()
        self._pool.shutdown(wait=True)
