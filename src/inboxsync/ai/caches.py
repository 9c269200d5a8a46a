"""The AI caches, so that a question is asked once: verdicts per sender, per domain (read
from agreeing senders) and per content hash; folder decisions per content hash and folder
version; embeddings per conversation. A user's entry is never overwritten."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from inboxsync.ai.text import domain_of, is_freemail
from inboxsync.db.ai_models import (
    AiContentVerdict,
    AiEmbedding,
    AiFolderDecision,
    AiSenderVerdict,
)
from inboxsync.db.models import utcnow

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt


@dataclass(frozen=True, slots=True)
class CachedVerdict:
    kind: str
    reason: str
    source: str


@dataclass(frozen=True, slots=True)
class CachedDecision:
    folder_id: int | None
    confidence: float | None
    source: str
    reason: str


def _upsert(session: Session, model: type, rows: list[dict[str, object]], keys: list[str]) -> None:
    """Insert or update rows by primary key, leaving rows whose source is `user` alone."""
    if not rows:
        return
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    table = model.__table__  # type: ignore[attr-defined]
    stmt = dialect.insert(table)
    update = {c: stmt.excluded[c] for c in rows[0] if c not in keys}
    stmt = stmt.on_conflict_do_update(
        index_elements=keys, set_=update, where=table.c.source != "user"
    )
    session.execute(stmt, rows)


# -- sender / domain / content verdicts ------------------------------------------------------


def sender_verdicts(
    session: Session, company_id: int, emails: Collection[str], sources: Collection[str]
) -> dict[str, CachedVerdict]:
    """Cached verdicts by sender address (one query)."""
    if not emails:
        return {}
    rows = session.execute(
        select(
            AiSenderVerdict.email,
            AiSenderVerdict.kind,
            AiSenderVerdict.reason,
            AiSenderVerdict.source,
        ).where(
            AiSenderVerdict.company_id == company_id,
            AiSenderVerdict.email.in_(list(emails)),
            AiSenderVerdict.source.in_(list(sources)),
        )
    ).all()
    return {r.email: CachedVerdict(r.kind, r.reason, r.source) for r in rows}


def domain_verdicts(
    session: Session,
    company_id: int,
    domains: Collection[str],
    sources: Collection[str],
    min_senders: int,
) -> dict[str, CachedVerdict]:
    """Verdicts of non-freemail domains whose cached senders (at least `min_senders`) all
    agree (one query)."""
    wanted = [d for d in set(domains) if d and not is_freemail(d)]
    if not wanted:
        return {}
    v = AiSenderVerdict
    rows = session.execute(
        select(v.domain, func.min(v.kind), func.max(v.kind), func.count())
        .where(v.company_id == company_id, v.domain.in_(wanted), v.source.in_(list(sources)))
        .group_by(v.domain)
    ).all()
    return {
        r[0]: CachedVerdict(r[1], f"{r[3]} senders of {r[0]} agree", "domain")
        for r in rows
        if r[1] == r[2] and r[3] >= min_senders
    }


def content_verdicts(
    session: Session, company_id: int, hashes: Collection[str], sources: Collection[str]
) -> dict[str, CachedVerdict]:
    """Cached verdicts by normalized content hash (one query)."""
    if not hashes:
        return {}
    v = AiContentVerdict
    rows = session.execute(
        select(v.content_hash, v.kind, v.reason, v.source).where(
            v.company_id == company_id,
            v.content_hash.in_(list(hashes)),
            v.source.in_(list(sources)),
        )
    ).all()
    return {r.content_hash: CachedVerdict(r.kind, r.reason, r.source) for r in rows}


def store_verdicts(
    session: Session,
    company_id: int,
    by_sender: Mapping[str, CachedVerdict],
    by_content: Mapping[str, CachedVerdict],
) -> None:
    """Remember verdicts per sender and per content hash (two statements at most)."""
    now = utcnow()
    _upsert(
        session,
        AiSenderVerdict,
        [
            {
                "company_id": company_id,
                "email": email,
                "domain": domain_of(email),
                "kind": v.kind,
                "reason": v.reason[:500],
                "source": v.source,
                "updated_at": now,
            }
            for email, v in by_sender.items()
        ],
        ["company_id", "email"],
    )
    _upsert(
        session,
        AiContentVerdict,
        [
            {
                "company_id": company_id,
                "content_hash": h,
                "kind": v.kind,
                "reason": v.reason[:500],
                "source": v.source,
                "updated_at": now,
            }
            for h, v in by_content.items()
        ],
        ["company_id", "content_hash"],
    )


# -- folder decisions ------------------------------------------------------------------------


def folder_decisions(
    session: Session,
    company_id: int,
    version: str,
    hashes: Collection[str],
    sources: Collection[str],
) -> dict[str, CachedDecision]:
    """Cached folder decisions for this folder version, by content hash (one query)."""
    if not hashes:
        return {}
    d = AiFolderDecision
    rows = session.execute(
        select(d.content_hash, d.folder_id, d.confidence, d.source, d.reason).where(
            d.company_id == company_id,
            d.folder_version == version,
            d.content_hash.in_(list(hashes)),
            d.source.in_(list(sources)),
        )
    ).all()
    return {
        r.content_hash: CachedDecision(r.folder_id, r.confidence, r.source, r.reason) for r in rows
    }


def store_decisions(
    session: Session, company_id: int, version: str, decisions: Mapping[str, CachedDecision]
) -> None:
    """Remember folder decisions per content hash for this folder version (one statement)."""
    now = utcnow()
    _upsert(
        session,
        AiFolderDecision,
        [
            {
                "company_id": company_id,
                "folder_version": version,
                "content_hash": h,
                "folder_id": d.folder_id,
                "confidence": d.confidence,
                "source": d.source,
                "reason": d.reason[:500],
                "updated_at": now,
            }
            for h, d in decisions.items()
        ],
        ["company_id", "folder_version", "content_hash"],
    )


# -- embeddings ------------------------------------------------------------------------------


def embeddings(
    session: Session, model: str, conversation_ids: Iterable[int]
) -> dict[int, tuple[str, npt.NDArray[np.float32]]]:
    """Cached (text hash, vector) by conversation (one query)."""
    from inboxsync.ai.embeddings import from_bytes  # numpy: only when classifying

    ids = list(conversation_ids)
    if not ids:
        return {}
    e = AiEmbedding
    rows = session.execute(
        select(e.conversation_id, e.text_hash, e.vector).where(
            e.model == model, e.conversation_id.in_(ids)
        )
    ).all()
    return {r.conversation_id: (r.text_hash, from_bytes(r.vector)) for r in rows}


def recent_embeddings(
    session: Session, company_id: int, model: str, limit: int
) -> npt.NDArray[np.float32]:
    """The company's newest `limit` stored embeddings of a model, one row each (one query):
    a sample of what its mail looks like."""
    import numpy as np

    from inboxsync.ai.embeddings import from_bytes  # numpy: only when classifying

    e = AiEmbedding
    vectors = session.scalars(
        select(e.vector)
        .where(e.company_id == company_id, e.model == model)
        .order_by(e.conversation_id.desc())
        .limit(limit)
    ).all()
    if not vectors:
        return np.zeros((0, 0), dtype=np.float32)
    return np.stack([from_bytes(v) for v in vectors])


def store_embeddings(
    session: Session,
    company_id: int,
    model: str,
    vectors: Mapping[int, tuple[str, npt.NDArray[np.float32]]],
) -> None:
    """Remember conversations' embeddings (one statement)."""
    from inboxsync.ai.embeddings import to_bytes  # numpy: only when classifying

    if not vectors:
        return
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(AiEmbedding.__table__)
    stmt = stmt.on_conflict_do_update(
        index_elements=["conversation_id", "model"],
        set_={"text_hash": stmt.excluded.text_hash, "vector": stmt.excluded.vector},
    )
    session.execute(
        stmt,
        [
            {
                "conversation_id": cid,
                "model": model,
                "company_id": company_id,
                "text_hash": th,
                "vector": to_bytes(vec),
            }
            for cid, (th, vec) in vectors.items()
        ],
    )
