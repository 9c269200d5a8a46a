"""Background work: the queue protocol, the inline and Celery backends, the five jobs."""

from inboxsync.jobs.follow_up import close_queues, follow_up, get_queue
from inboxsync.jobs.queue import TASK_NAMES, JobQueue
from inboxsync.jobs.tasks import JobContext, enqueue_follow_up

__all__ = [
    "TASK_NAMES",
    "JobContext",
    "JobQueue",
    "close_queues",
    "enqueue_follow_up",
    "follow_up",
    "get_queue",
]
