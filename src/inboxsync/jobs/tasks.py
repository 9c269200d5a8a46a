"""The bodies of the five jobs, the same for every backend.

Each is idempotent and safe to run twice or concurrently: the mailbox lease, the
`pending → classifying` claim, the outbox row and the webhook endpoint's lease decide who does
the work; a job that must wait raises `RetryLater`. Every job that may have written events
queues the delivery of the company's webhooks after it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, sessionmaker

from inboxsync.config import Settings
from inboxsync.db.models import Conversation, Folder, Mailbox, utcnow
from inboxsync.db.outbox_models import OutboxEntry
from inboxsync.errors import MailboxBusyError, NotFound, RetryLater
from inboxsync.jobs.queue import JobArg, JobQueue
from inboxsync.outbound import Outcome, auto_reply_candidates, due_outbox, due_replies
from inboxsync.outbound import send_auto_reply as send_one
from inboxsync.outbound.reply import send_reply as send_agent_reply
from inboxsync.webhooks import deliver_endpoint
from inboxsync.webhooks.store import due_endpoint_ids

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobContext:
    """What a job runs with: the database, the settings, and the queue for follow-up jobs."""

    sessions: sessionmaker[Session]
    settings: Settings
    queue: JobQueue


def sync_mailbox(ctx: JobContext, mailbox_id: JobArg) -> None:
    """Sync one mailbox, then queue the classification of exactly the conversations it
    created (and the auto-replies due); the schedule's sweep covers anything older."""
    from inboxsync.mailboxes import sync_mailbox as run_sync

    assert isinstance(mailbox_id, int)
    new: dict[int, list[int]] = {}
    with ctx.sessions() as session:
        company_id = session.scalar(select(Mailbox.company_id).where(Mailbox.id == mailbox_id))
    try:
        report = run_sync(
            ctx.sessions,
            ctx.settings,
            mailbox_id,
            on_new_conversations=lambda company_id, ids: new.setdefault(company_id, []).extend(ids),
        )
    except NotFound:
        log.warning("mailbox %s is gone; nothing to sync", mailbox_id)
        return
    except MailboxBusyError:
        # Another process is syncing it right now; the next round will come.
        log.info("mailbox %s is being synced elsewhere", mailbox_id)
        return
    except Exception:
        if company_id is not None:
            # The failure is an event (`mailbox.sync_failed`): sent now, not next round.
            enqueue_webhooks(ctx.queue, ctx.sessions, company_id)
        raise
    log.info("mailbox %s: %s new messages", mailbox_id, report.new_messages)
    for new_company_id, ids in new.items():
        enqueue_follow_up(ctx.queue, ctx.sessions, ctx.settings, new_company_id, ids)
    if company_id is not None and company_id not in new:
        # No new conversation, but perhaps events (new messages in known conversations).
        enqueue_webhooks(ctx.queue, ctx.sessions, company_id)


def classify_pending(ctx: JobContext, company_id: JobArg, conversation_ids: JobArg = None) -> None:
    """Classify the company's pending conversations (or just `conversation_ids`), then queue
    the auto-replies of those now filed in an auto-reply folder."""
    from inboxsync.ai import classify_pending as classify

    assert isinstance(company_id, int)
    ids = conversation_ids if isinstance(conversation_ids, list) else None
    classify(ctx.sessions, ctx.settings, company_id, conversation_ids=ids)
    with ctx.sessions() as session:
        candidates = auto_reply_candidates(
            session,
            company_id,
            max_age=timedelta(hours=ctx.settings.outbound.auto_reply_max_age_hours),
            conversation_ids=ids,
        )
        claimed_elsewhere = _still_classifying(session, company_id, ids)
    for conversation_id in candidates:
        ctx.queue.enqueue("send_auto_reply", conversation_id)
    enqueue_webhooks(ctx.queue, ctx.sessions, company_id)
    if claimed_elsewhere:
        # Another classifier holds them (or held them and died: its claim expires after
        # ai_claim_timeout_seconds). Look again then, to queue their auto-replies.
        raise RetryLater(
            min(60.0, float(ctx.settings.ai.claim_timeout_seconds)),
            f"{claimed_elsewhere} conversation(s) being classified elsewhere",
        )


def _still_classifying(session: Session, company_id: int, ids: list[int] | None) -> int:
    if ids is None:
        return 0
    if session.scalar(select(Folder.id).where(Folder.company_id == company_id).limit(1)) is None:
        # No folder, nothing can file them: they wait, pending, for the sweep after one is
        # added. Counting them would retry this job forever.
        return 0
    query = select(func.count()).where(
        Conversation.company_id == company_id,
        Conversation.status.in_(("pending", "classifying")),
        Conversation.id.in_(ids),
    )
    return int(session.scalar(query) or 0)


def send_auto_reply(ctx: JobContext, conversation_id: JobArg) -> None:
    """Send one conversation's auto-reply if the policy allows and none went out yet."""
    assert isinstance(conversation_id, int)
    outcome = send_one(ctx.sessions, ctx.settings, conversation_id)
    company = select(Conversation.company_id).where(Conversation.id == conversation_id)
    _after_sending(ctx, company, outcome, "auto-reply")


def send_reply(ctx: JobContext, reply_id: JobArg) -> None:
    """Send one agent's reply (an outbox id) unless it went out or failed for good already."""
    assert isinstance(reply_id, int)
    outcome = send_agent_reply(ctx.sessions, ctx.settings, reply_id)
    company = select(OutboxEntry.company_id).where(OutboxEntry.id == reply_id)
    _after_sending(ctx, company, outcome, "reply")


def _after_sending(ctx: JobContext, company: Select[int], outcome: Outcome, what: str) -> None:
    """Deliver the events of a send now (its company found by `company`); a send that must
    wait runs again then."""
    with ctx.sessions() as session:
        company_id = session.scalar(company)
    if company_id is not None:
        enqueue_webhooks(ctx.queue, ctx.sessions, company_id)
    if outcome.retry_in is not None:
        raise RetryLater(outcome.retry_in, f"{what} {outcome.state}: {outcome.reason}")


def deliver_webhooks(ctx: JobContext, endpoint_id: JobArg) -> None:
    """Deliver one webhook endpoint's pending events. An endpoint whose lease another job
    holds is left to it (it looks again after letting go); one that must wait is retried
    when its time comes."""
    assert isinstance(endpoint_id, int)
    report = deliver_endpoint(ctx.sessions, ctx.settings, endpoint_id)
    if report.retry_in is not None and not report.busy:
        raise RetryLater(report.retry_in, f"webhook {endpoint_id} waits for its next attempt")


TASKS: dict[str, Callable[..., None]] = {
    "sync_mailbox": sync_mailbox,
    "classify_pending": classify_pending,
    "send_auto_reply": send_auto_reply,
    "send_reply": send_reply,
    "deliver_webhooks": deliver_webhooks,
}


def enqueue_webhooks(queue: JobQueue, sessions: sessionmaker[Session], company_id: int) -> int:
    """Queue `deliver_webhooks` for each active endpoint of the company that has events to
    deliver and no retry waiting; returns how many."""
    with sessions() as session:
        endpoint_ids = due_endpoint_ids(session, company_id, utcnow())
    for endpoint_id in endpoint_ids:
        queue.enqueue("deliver_webhooks", endpoint_id)
    return len(endpoint_ids)


def enqueue_follow_up(
    queue: JobQueue,
    sessions: sessionmaker[Session],
    settings: Settings,
    company_id: int,
    new_conversation_ids: list[int] | None,
) -> int:
    """Queue classification (in chunks, so workers share it), the auto-replies that are due and
    the delivery of the company's webhooks.

    `None` means a sweep: every pending conversation of the company, and every auto-reply left
    behind (filed but never answered, or waiting for a retry). Returns the number of jobs queued.
    """
    max_age = timedelta(hours=settings.outbound.auto_reply_max_age_hours)
    with sessions() as session:
        if new_conversation_ids is None:
            new_conversation_ids = list(
                session.scalars(
                    select(Conversation.id)
                    .where(Conversation.company_id == company_id, Conversation.status == "pending")
                    .order_by(Conversation.id)
                )
            )
            replies = auto_reply_candidates(session, company_id, max_age=max_age)
        else:
            replies = []
        replies += due_outbox(session, company_id)
        agent_replies = due_replies(session, company_id)
    chunk = settings.jobs.classify_chunk
    ids = sorted(set(new_conversation_ids))
    chunks = [ids[start : start + chunk] for start in range(0, len(ids), chunk)]
    for part in chunks:
        queue.enqueue("classify_pending", company_id, part)
    for conversation_id in sorted(set(replies)):
        queue.enqueue("send_auto_reply", conversation_id)
    for reply_id in agent_replies:
        queue.enqueue("send_reply", reply_id)
    webhooks = enqueue_webhooks(queue, sessions, company_id)
    return len(chunks) + len(set(replies)) + len(agent_replies) + webhooks
