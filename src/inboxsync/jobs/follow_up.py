"""What the pipeline calls after storing mail: the queue, and the follow-up jobs."""

from __future__ import annotations

import logging
import threading

from sqlalchemy.orm import Session, sessionmaker

from inboxsync.config import Settings
from inboxsync.jobs.queue import JobQueue
from inboxsync.jobs.runtime import sessions_for
from inboxsync.jobs.tasks import enqueue_follow_up

log = logging.getLogger(__name__)

_lock = threading.Lock()
_queues: dict[tuple[str, str, str], JobQueue] = {}


def get_queue(settings: Settings, sessions: sessionmaker[Session] | None = None) -> JobQueue:
    """This process's queue for `settings.jobs.backend` (one per backend and database).

    The inline queue runs jobs with `sessions` (else its own engine on `settings.db`).
    """
    key = (settings.jobs.backend, settings.db, settings.redis_url or "")
    with _lock:
        queue = _queues.get(key)
        if queue is None:
            queue = _make_queue(settings, sessions or sessions_for(settings.db))
            _queues[key] = queue
    return queue


def _make_queue(settings: Settings, sessions: sessionmaker[Session]) -> JobQueue:
    if settings.jobs.backend == "celery":
        from inboxsync.jobs.celery_app import CeleryQueue, make_celery

        return CeleryQueue(make_celery(settings), settings)
    from inboxsync.jobs.inline import InlineQueue

    return InlineQueue(sessions, settings)


def close_queues() -> None:
    """Close every queue of this process (waits for running inline jobs)."""
    with _lock:
        queues = list(_queues.values())
        _queues.clear()
    for queue in queues:
        queue.close()


def follow_up(
    sessions: sessionmaker[Session],
    settings: Settings,
    company_id: int,
    new_conversation_ids: list[int] | None,
    *,
    wait: bool,
) -> None:
    """Queue the classification of new conversations, then their auto-replies.

    `None` sweeps every pending conversation of the company. With the inline backend and
    `wait`, returns once those jobs (and the auto-replies they queue) are done; the Celery
    backend returns at once and leaves the work to the workers.
    """
    queue = get_queue(settings, sessions)
    jobs = enqueue_follow_up(queue, sessions, settings, company_id, new_conversation_ids)
    log.info("company %s: %s follow-up job(s) queued on %s", company_id, jobs, queue.backend)
    if wait:
        queue.join()
