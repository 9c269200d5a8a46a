"""Where a company's conversations stand in classification: how many in each state, and
putting back to pending what a model filed against older folders."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from inboxsync.ai.claims import CONV
from inboxsync.ai.folders import folder_version, load_folders
from inboxsync.db.models import Conversation


def status_counts(session: Session, company_id: int) -> dict[str, int]:
    """How many of the company's conversations are in each classification state."""
    rows = session.execute(
        select(Conversation.status, func.count())
        .where(Conversation.company_id == company_id)
        .group_by(Conversation.status)
    ).all()
    return {str(r[0]): int(r[1]) for r in rows}


def requeue_stale(sessions: sessionmaker[Session], company_id: int) -> int:
    """Put back to `pending` the conversations a model filed against an older version of the
    company's folders (a user's decisions stay). Returns how many."""
    with sessions.begin() as session:
        version = folder_version(load_folders(session, company_id))
        result = session.execute(
            update(CONV)
            .where(
                CONV.c.company_id == company_id,
                CONV.c.status.in_(["classified", "unclassified"]),
                CONV.c.folder_source.in_(["ai", "local"]),
                CONV.c.folder_version != version,
            )
            .values(status="pending", status_reason="folders changed since it was filed")
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]
