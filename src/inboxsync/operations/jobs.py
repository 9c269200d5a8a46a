"""`Inbox`'s background work: the outbox, the schedule, a Celery worker."""

from __future__ import annotations

import os
import socket

from inboxsync.errors import UsageError
from inboxsync.jobs.schedule import ScheduleRound, schedule_round
from inboxsync.operations._base import InboxBase
from inboxsync.outbound import list_outbox
from inboxsync.outbound import status_counts as outbox_counts
from inboxsync.results import OutboxReport

WORKER_POOLS = ("prefork", "threads", "solo")


class JobOperations(InboxBase):
    """The background work."""

    def outbox(
        self, company: str | int | None = None, *, status: str | None = None, limit: int = 50
    ) -> OutboxReport:
        """The auto-replies (of one company, else all; of one status, else any), newest
        first, with how many are in each status."""
        with self.reader_sessions() as session:
            company_id = self._company_or_all(session, company)
            rows = list_outbox(session, company_id, status, limit)
            return OutboxReport(outbox_counts(session, company_id), tuple(rows))

    def schedule_round(self) -> ScheduleRound:
        """Queue a sync of every mailbox and a sweep of every company's pending classification
        and due auto-replies (with the inline backend, run them and wait)."""
        return schedule_round(self.sessions, self.settings)

    def run_worker(
        self, *, concurrency: int = 2, pool: str = "prefork", loglevel: str = "INFO"
    ) -> None:
        """Run a Celery worker of inboxsync's jobs until it is stopped (needs `redis_url`)."""
        if pool not in WORKER_POOLS:
            raise UsageError(f"pool must be {', '.join(WORKER_POOLS)}, not {pool!r}")
        from inboxsync.jobs.celery_app import make_celery  # Celery loads only for a worker

        settings = self.settings.replace(jobs={"backend": "celery"})
        make_celery(settings).worker_main(
            [
                "worker",
                f"--queues={settings.jobs.queue}",
                f"--concurrency={concurrency}",
                f"--pool={pool}",
                f"--loglevel={loglevel}",
                f"--hostname=inboxsync-{os.getpid()}@{socket.gethostname()}",
                "--without-gossip",
                "--without-mingle",
            ]
        )
