"""The text a classifier sees of a conversation: its subject and the start of its first
inbound message, bounded."""

from __future__ import annotations

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from inboxsync.ai.text import clean
from inboxsync.ai.types import ConversationItem
from inboxsync.db.models import Conversation, InboxMessage


def load_items(session: Session, ids: list[int], chars: int) -> dict[int, ConversationItem]:
    """Subject and the start of the first inbound message of each conversation (one query)."""
    if not ids:
        return {}
    m = InboxMessage
    rank = (
        func.row_number()
        .over(partition_by=m.conversation_id, order_by=(m.date, m.id))
        .label("rank")
    )
    first = (
        select(
            m.conversation_id,
            m.subject,
            func.substr(m.body_text, 1, chars * 3).label("body"),
            rank,
        )
        .where(m.conversation_id.in_(ids), m.direction == "in")
        .subquery()
    )
    rows = session.execute(
        select(Conversation.id, Conversation.subject, first.c.subject, first.c.body)
        .outerjoin(first, and_(first.c.conversation_id == Conversation.id, first.c.rank == 1))
        .where(Conversation.id.in_(ids))
    ).all()
    return {
        r[0]: ConversationItem(
            key=r[0], subject=clean(r[1] or r[2] or "", 300), text=clean(r[3] or "", chars)
        )
        for r in rows
    }
