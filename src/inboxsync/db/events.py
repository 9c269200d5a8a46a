"""The event feed: each change recorded in the transaction that makes it, numbered per company.

A writer calls `record_events` last, just before its commit: it bumps the company's
`last_event_seq` (which locks the company row until the commit, so a company's events are
numbered in commit order, without gaps) and inserts the batch's events in one statement. A
consumer that reads `after` the last seq it saw therefore misses nothing and sees nothing twice.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from inboxsync.db.api_models import Event
from inboxsync.db.dialect import table_of
from inboxsync.db.models import Company, utcnow

EVENT_TYPES = (
    "message.created",
    "message.quarantined",
    "conversation.created",
    "conversation.merged",
    "conversation.split",
    "conversation.override_undone",
    "conversation.notification_set",
    "conversation.classified",
    "conversation.folder_set",
    "auto_reply.sent",
    "auto_reply.skipped",
    "auto_reply.failed",
    "reply.sent",
    "reply.failed",
    "mailbox.sync_failed",
)


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event to record: its type, what it is about, and a small JSON-able `data`."""

    type: str
    conversation_id: int | None = None
    message_id: int | None = None
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class EventRow:
    """A recorded event; `seq` is the consumer's cursor within the company."""

    seq: int
    type: str
    conversation_id: int | None
    message_id: int | None
    data: dict[str, Any]
    created_at: datetime


def record_events(session: Session, company_id: int, events: Sequence[NewEvent]) -> None:
    """Record `events` in the caller's transaction (two statements, whatever their number)."""
    if not events:
        return
    unknown = {e.type for e in events} - set(EVENT_TYPES)
    if unknown:
        raise ValueError(f"unknown event types: {sorted(unknown)}")
    last = session.execute(
        update(Company)
        .where(Company.id == company_id)
        .values(last_event_seq=Company.last_event_seq + len(events))
        .returning(Company.last_event_seq),
        execution_options={"synchronize_session": False},
    ).scalar_one()
    first = last - len(events) + 1
    now = utcnow()
    # Core, not ORM, insert: the ORM would split the rows by which columns are None.
    session.execute(
        insert(table_of(Event)),
        [
            {
                "company_id": company_id,
                "seq": first + i,
                "type": e.type,
                "conversation_id": e.conversation_id,
                "message_id": e.message_id,
                "data": json.dumps(dict(e.data), separators=(",", ":"), default=str),
                "created_at": now,
            }
            for i, e in enumerate(events)
        ],
    )


def read_events(
    session: Session,
    company_id: int,
    *,
    after: int = 0,
    types: Sequence[str] | None = None,
    limit: int = 100,
) -> list[EventRow]:
    """The company's events after seq `after`, in order, at most `limit`, of `types` if given."""
    query = (
        select(Event)
        .where(Event.company_id == company_id, Event.seq > after)
        .order_by(Event.seq)
        .limit(limit)
    )
    if types:
        query = query.where(Event.type.in_(list(types)))
    return [
        EventRow(e.seq, e.type, e.conversation_id, e.message_id, json.loads(e.data), e.created_at)
        for e in session.scalars(query)
    ]


def last_event_seq(session: Session, company_id: int) -> int:
    """The seq of the company's last event (0 before the first)."""
    return int(session.scalar(select(Company.last_event_seq).where(Company.id == company_id)) or 0)


def prune_events(session: Session, older_than: datetime) -> int:
    """Delete events recorded before `older_than` (retention); returns how many went."""
    result = session.execute(delete(Event).where(Event.created_at < older_than))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
