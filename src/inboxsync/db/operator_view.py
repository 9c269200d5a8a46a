"""What the operator pages read that the other modules do not: the outbox a page at a time,
AI spend per day, and the recent conversations an auto-reply template is previewed on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from inboxsync.db.ai_models import AiCall
from inboxsync.db.listing import Page, keyset_page
from inboxsync.db.models import Conversation
from inboxsync.db.outbox_models import OutboxEntry
from inboxsync.outbound.outbox import OutboxRow


@dataclass(frozen=True, slots=True)
class DaySpend:
    """What the company's AI calls cost on one day (UTC)."""

    day: date
    cost_usd: float
    calls: int


@dataclass(frozen=True, slots=True)
class RecentConversation:
    """A conversation a template can be previewed on; `in_folder` when it is the folder's."""

    id: int
    subject: str
    in_folder: bool


def outbox_page(
    session: Session, company_id: int, *, cursor: str | None = None, limit: int = 50
) -> Page[OutboxRow]:
    """A page of the company's outbox rows (auto-replies and replies), newest first."""
    query = select(
        OutboxEntry.id,
        OutboxEntry.company_id,
        OutboxEntry.conversation_id,
        OutboxEntry.status,
        OutboxEntry.recipient,
        OutboxEntry.subject,
        OutboxEntry.attempts,
        OutboxEntry.reason,
        OutboxEntry.created_at,
        OutboxEntry.sent_at,
        OutboxEntry.next_attempt_at,
        OutboxEntry.kind,
    ).where(OutboxEntry.company_id == company_id)
    return keyset_page(
        session, query, [OutboxEntry.id], lambda row: OutboxRow(*row),
        cursor=cursor, limit=limit, descending=True,
    )  # fmt: skip


def daily_spend(session: Session, company_id: int, since: datetime) -> list[DaySpend]:
    """The company's AI spend per day from `since` (naive UTC), days with calls only, oldest
    first: one grouped query over the (company, at) index."""
    day = func.date(AiCall.at)
    rows = session.execute(
        select(day, func.coalesce(func.sum(AiCall.cost_usd), 0.0), func.count())
        .where(AiCall.company_id == company_id, AiCall.at >= since)
        .group_by(day)
        .order_by(day)
    ).all()
    # SQLite's date() is a text, PostgreSQL's a date.
    return [
        DaySpend(d if isinstance(d, date) else date.fromisoformat(d), round(float(c), 6), int(n))
        for d, c, n in rows
    ]


def recent_conversations(
    session: Session, company_id: int, folder_id: int, limit: int = 10
) -> list[RecentConversation]:
    """Up to `limit` recent conversations to preview a folder's auto-reply on: the folder's
    own first, then the company's other recent ones (two bounded queries)."""
    recent = select(Conversation.id, Conversation.subject).order_by(
        Conversation.updated_at.desc(), Conversation.id.desc()
    )
    own = session.execute(
        recent.where(Conversation.company_id == company_id, Conversation.folder_id == folder_id)
        .limit(limit)
    ).all()  # fmt: skip
    found = [RecentConversation(i, s, True) for i, s in own]
    if len(found) < limit:
        seen = {c.id for c in found}
        others = session.execute(
            recent.where(Conversation.company_id == company_id).limit(limit)
        ).all()
        found += [RecentConversation(i, s, False) for i, s in others if i not in seen]
    return found[:limit]
