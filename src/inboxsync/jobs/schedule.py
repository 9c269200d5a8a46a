"""One round of the schedule: a sync of every mailbox, a sweep of every company, the
delivery of every webhook endpoint left behind, and the events past their retention."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from inboxsync.config import Settings
from inboxsync.db.events import prune_events
from inboxsync.db.models import Company, Mailbox, utcnow
from inboxsync.jobs.follow_up import get_queue
from inboxsync.jobs.tasks import enqueue_follow_up


@dataclass(frozen=True, slots=True)
class ScheduleRound:
    """What a round queued."""

    mailboxes: int
    jobs: int


def schedule_round(sessions: sessionmaker[Session], settings: Settings) -> ScheduleRound:
    """Queue `sync_mailbox` for every mailbox, each company's pending classification and due
    auto-replies, and `deliver_webhooks` for every active endpoint behind its company's events
    (what a crashed or offline run left; `enqueue_follow_up` queues all three), after
    deleting the events older than `events_retention_days`. Inline: runs them and waits."""
    queue = get_queue(settings, sessions)
    with sessions.begin() as session:
        prune_events(session, utcnow() - timedelta(days=settings.events_retention_days))
    with sessions() as session:
        mailbox_ids = list(session.scalars(select(Mailbox.id).order_by(Mailbox.id)))
        company_ids = list(session.scalars(select(Company.id).order_by(Company.id)))
    for mailbox_id in mailbox_ids:
        queue.enqueue("sync_mailbox", mailbox_id)
    jobs = sum(
        enqueue_follow_up(queue, sessions, settings, company_id, None) for company_id in company_ids
    )
    queue.join()
    return ScheduleRound(len(mailbox_ids), jobs)
