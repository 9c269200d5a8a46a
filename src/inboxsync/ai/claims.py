"""Claiming pending conversations atomically, so classifiers can run concurrently, and
handing back the claims of a worker that died."""

from __future__ import annotations

from datetime import timedelta
from typing import cast

from sqlalchemy import Table, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from inboxsync.db.ai_models import AiClaim
from inboxsync.db.models import Conversation, utcnow

CONV = cast(Table, Conversation.__table__)


def release_stale(session: Session, company_id: int, timeout_seconds: int) -> int:
    """Put back to `pending` the company's conversations claimed longer ago than the
    timeout (their classifier died). Returns how many."""
    cutoff = utcnow() - timedelta(seconds=timeout_seconds)
    stale = select(AiClaim.conversation_id).where(
        AiClaim.company_id == company_id, AiClaim.claimed_at < cutoff
    )
    result = session.execute(
        update(CONV)
        .where(
            CONV.c.company_id == company_id,
            CONV.c.status == "classifying",
            CONV.c.id.in_(stale),
        )
        .values(status="pending", status_reason="claim expired: classifier stopped")
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def claim(
    session: Session,
    company_id: int,
    *,
    after_id: int,
    limit: int,
    only: list[int] | None = None,
) -> dict[int, int]:
    """Claim up to `limit` pending conversations with id > `after_id` (all of `only` when
    given): `pending` → `classifying` in one UPDATE; returns {conversation id: attempt}."""
    wanted = (
        select(CONV.c.id)
        .where(CONV.c.company_id == company_id, CONV.c.status == "pending", CONV.c.id > after_id)
        .order_by(CONV.c.id)
        .limit(limit)
    )
    if only is not None:
        wanted = wanted.where(CONV.c.id.in_(only))
    claimed = session.scalars(
        update(CONV)
        .where(CONV.c.id.in_(wanted.scalar_subquery()), CONV.c.status == "pending")
        .values(status="classifying", status_reason="")
        .returning(CONV.c.id)
    ).all()
    if not claimed:
        return {}
    now = utcnow()
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(AiClaim.__table__)
    stmt = stmt.on_conflict_do_update(
        index_elements=["conversation_id"],
        set_={"claimed_at": now, "attempts": AiClaim.__table__.c.attempts + 1},
    ).returning(AiClaim.__table__.c.conversation_id, AiClaim.__table__.c.attempts)
    rows = session.execute(
        stmt,
        [
            {"conversation_id": cid, "company_id": company_id, "claimed_at": now, "attempts": 1}
            for cid in claimed
        ],
    ).all()
    return {int(r[0]): int(r[1]) for r in rows}
