"""What the outbox jobs should look at now: one query each, for the jobs to fan out."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from inboxsync.db.models import Conversation, Folder, InboxMessage, utcnow
from inboxsync.db.outbox_models import OutboxEntry
from inboxsync.outbound.outbox import AUTO_REPLY, REPLY


def auto_reply_candidates(
    session: Session,
    company_id: int,
    *,
    max_age: timedelta,
    conversation_ids: list[int] | None = None,
    limit: int = 10_000,
) -> list[int]:
    """Conversations filed in a folder with an auto-reply and no outbox row yet, recent enough
    (by their Date or by when the mailbox received them) to pass the history rule; the policy
    still decides each one."""
    has_row = exists().where(
        OutboxEntry.conversation_id == Conversation.id, OutboxEntry.kind == AUTO_REPLY
    )
    cutoff = utcnow() - max_age
    # When the mailbox received the conversation's first message (None for file imports).
    first_arrival = (
        select(func.min(InboxMessage.arrived_at))
        .where(InboxMessage.conversation_id == Conversation.id, InboxMessage.direction == "in")
        .scalar_subquery()
    )
    query = (
        select(Conversation.id)
        .join(Folder, Folder.id == Conversation.folder_id)
        .where(
            Conversation.company_id == company_id,
            Conversation.status == "classified",
            Folder.auto_reply_enabled.is_(True),
            # A thread that started before the history age is history (a new reply in an old
            # thread gets no auto-reply either: its first incoming message is old). Started
            # goes by the Date headers; a recent arrival counts too, whatever they say.
            or_(Conversation.started_at >= cutoff, first_arrival >= cutoff),
            ~has_row,
        )
        .order_by(Conversation.id)
        .limit(limit)
    )
    if conversation_ids is not None:
        query = query.where(Conversation.id.in_(conversation_ids))
    return list(session.scalars(query))


def due_outbox(session: Session, company_id: int | None = None, limit: int = 1000) -> list[int]:
    """Conversations whose auto-reply waits for a due retry, or whose sender vanished."""
    return _due(session, OutboxEntry.conversation_id, AUTO_REPLY, company_id, limit)


def due_replies(session: Session, company_id: int | None = None, limit: int = 1000) -> list[int]:
    """Agents' replies (outbox ids) never sent yet, waiting for a due retry, or whose sender
    vanished."""
    return _due(session, OutboxEntry.id, REPLY, company_id, limit)


def _due(
    session: Session,
    column: InstrumentedAttribute[int],
    kind: str,
    company_id: int | None,
    limit: int,
) -> list[int]:
    now = utcnow()
    query = (
        select(column)
        .where(
            OutboxEntry.kind == kind,
            (
                (OutboxEntry.status.in_(("queued", "retry")))
                & (OutboxEntry.next_attempt_at.is_(None) | (OutboxEntry.next_attempt_at <= now))
            )
            | (OutboxEntry.status.in_(("claimed", "sending")) & (OutboxEntry.lease_until <= now)),
        )
        .order_by(OutboxEntry.id)
        .limit(limit)
    )
    if company_id is not None:
        query = query.where(OutboxEntry.company_id == company_id)
    return list(session.scalars(query))
