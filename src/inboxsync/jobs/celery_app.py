"""The Celery backend: an app on the Redis broker of `INBOXSYNC_REDIS_URL`, and its tasks.

Tasks are acknowledged late and rejected (so delivered again) when their worker process dies;
failures are retried after the shared backoff (`inboxsync.retry`). `celery -A
inboxsync.jobs.celery_app worker` works as well as `inboxsync worker` (the module-level `app`
reads the environment).
"""

from __future__ import annotations

import logging
import weakref
from typing import Any

from celery import Celery, Task
from kombu.exceptions import OperationalError

from inboxsync.config import Settings
from inboxsync.errors import ConfigError, QueueUnavailable, RetryLater
from inboxsync.jobs.queue import PERMANENT_ERRORS, TASK_NAMES, JobArg
from inboxsync.jobs.runtime import sessions_for
from inboxsync.jobs.tasks import TASKS, JobContext
from inboxsync.retry import Backoff

log = logging.getLogger(__name__)

_settings_of: weakref.WeakKeyDictionary[Celery, Settings] = weakref.WeakKeyDictionary()


def make_celery(settings: Settings) -> Celery:
    """A Celery app for these settings, with the inboxsync tasks (`TASK_NAMES`) registered."""
    if not settings.redis_url:
        raise ConfigError("the celery job backend needs INBOXSYNC_REDIS_URL (the broker)")
    app = Celery("inboxsync", broker=settings.redis_url, set_as_current=False)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_acks_on_failure_or_timeout=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        task_default_queue=settings.jobs.queue,
        task_serializer="json",
        accept_content=["json"],
        broker_transport_options={
            "visibility_timeout": settings.jobs.visibility_timeout,
            # Every broker key under our prefix: deployments (and test runs) sharing a Redis
            # never see each other's queues or unacknowledged tasks.
            "global_keyprefix": f"{settings.jobs.key_prefix}:celery:",
        },
        broker_connection_retry_on_startup=True,
        worker_send_task_events=False,
    )
    _settings_of[app] = settings
    for name in TASK_NAMES:
        _register(app, name)
    return app


def _register(app: Celery, name: str) -> None:
    @app.task(  # type: ignore[untyped-decorator]
        name=f"inboxsync.{name}",
        bind=True,
        acks_late=True,
        reject_on_worker_lost=True,
        max_retries=None,
        shared=False,
    )
    def job(self: Task, *args: Any) -> None:
        _run(self, name, args)


def _run(task: Task, name: str, args: tuple[Any, ...]) -> None:
    settings = _settings_of[task.app]
    queue = CeleryQueue(task.app, settings, connect=False)
    context = JobContext(sessions_for(settings.db), settings, queue)
    try:
        TASKS[name](context, *args)
    except RetryLater as exc:
        # Bounded by the work itself (outbox attempts, claim timeouts), not by a count here.
        raise task.retry(countdown=exc.delay, max_retries=None) from None
    except PERMANENT_ERRORS as exc:
        log.error("job %s%s failed, not retried: %s", name, args, exc)
        raise
    except Exception as exc:
        retries = task.request.retries or 0
        if retries >= settings.jobs.max_retries:
            log.error("job %s%s failed for good: %s", name, args, exc)
            raise
        delay = Backoff(settings.jobs.backoff_seconds, settings.jobs.max_backoff_seconds).delay(
            retries + 1
        )
        log.warning("job %s%s failed (%s), retry in %.1fs", name, args, exc, delay)
        raise task.retry(exc=exc, countdown=delay, max_retries=None) from exc


class CeleryQueue:
    """Sends jobs to the Celery workers through Redis."""

    backend = "celery"

    def __init__(self, app: Celery, settings: Settings, *, connect: bool = True) -> None:
        self.app = app
        self.settings = settings
        if connect:
            self.connect()

    def connect(self) -> None:
        """Load the transport and reach the broker now: a sync checks Redis before it fetches
        mail, and its first job is not slowed by the imports (~0.15 s)."""
        try:
            with self.app.producer_or_acquire() as producer:
                producer.connection.ensure_connection(max_retries=2, interval_start=0.2)
                # Declared once here, the queue's binding is not written by the first job.
                producer.maybe_declare(self.app.amqp.queues[self.settings.jobs.queue])
            _ = self.app.backend  # made on first use: not during the first job either
        except OperationalError as exc:
            raise QueueUnavailable(f"cannot reach the job broker: {exc}") from exc

    def enqueue(self, task: str, *args: JobArg, delay: float = 0.0) -> None:
        """Send `task(*args)` to the workers (to run after `delay` seconds)."""
        if task not in TASKS:
            raise ValueError(f"unknown job {task!r}")
        try:
            self.app.send_task(
                f"inboxsync.{task}",
                args=list(args),
                countdown=delay or None,
                queue=self.settings.jobs.queue,
                retry=True,
                retry_policy={"max_retries": 3, "interval_start": 0.2, "interval_step": 0.5},
            )
        except OperationalError as exc:
            raise QueueUnavailable(f"cannot reach the job broker: {exc}") from exc

    def join(self, timeout: float | None = None) -> bool:
        """Celery jobs belong to the workers: nothing to wait for here."""
        return True

    def close(self) -> None:
        self.app.close()


def _app_from_environment() -> Celery:
    # Settings() without arguments reads the environment (mypy sees required fields).
    load: Any = Settings
    settings: Settings = load()
    if not settings.redis_url:
        # Importable without Redis; `inboxsync worker` explains what is missing.
        return Celery("inboxsync", set_as_current=False)
    return make_celery(settings)


def __getattr__(name: str) -> Celery:
    # `celery -A inboxsync.jobs.celery_app` looks up `app`: built on first use, from the
    # environment, so that importing this module never needs Redis settings.
    if name in ("app", "celery"):
        found = globals().get("_app")
        if found is None:
            found = globals()["_app"] = _app_from_environment()
        return found
    raise AttributeError(name)
