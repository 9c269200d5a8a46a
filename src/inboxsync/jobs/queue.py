"""The job queue protocol shared by the inline and Celery backends."""

from __future__ import annotations

from typing import Protocol

from inboxsync.errors import AuthError, ConfigError, UsageError

# Arguments a job takes: ids, lists of ids, or nothing. Kept JSON-able for Celery.
JobArg = int | list[int] | None

TASK_NAMES = (
    "sync_mailbox",
    "classify_pending",
    "send_auto_reply",
    "send_reply",
    "deliver_webhooks",
)

# Errors that another attempt cannot fix (a wrong password, a missing setting): not retried.
PERMANENT_ERRORS: tuple[type[Exception], ...] = (AuthError, ConfigError, UsageError)


class JobQueue(Protocol):
    """Where jobs go. Every job is idempotent, so running one twice is harmless."""

    backend: str

    def enqueue(self, task: str, *args: JobArg, delay: float = 0.0) -> None:
        """Run `task(*args)` in the background, after `delay` seconds."""
        ...

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the jobs this process can see to finish (inline); True when none is left.

        The Celery backend returns True at once: its jobs belong to the workers.
        """
        ...

    def close(self) -> None:
        """Stop taking jobs and release resources."""
        ...
