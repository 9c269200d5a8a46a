"""The quarantine as operators see it: listing entries (also a page at a time), reading their
raw bytes, and the bookkeeping around retrying them through the pipeline."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, cast, delete, func, select, update
from sqlalchemy.orm import Session

from inboxsync.db.listing import AnySelect, Page, keyset_page
from inboxsync.db.models import Quarantine
from inboxsync.errors import NotFound

# Prefix of the dedupe key of an entry being retried: no failure has it (real keys are
# 64 hex digits) and the entry's id after it keeps it unique.
_SET_ASIDE = "retry:"


@dataclass(frozen=True, slots=True)
class QuarantineEntry:
    """One quarantined message: where it came from, why it failed and how many bytes are kept."""

    id: int
    source_ref: str
    reason: str
    size: int
    headers_only: bool
    created_at: datetime
    # Why parsing the entry again cannot help, or None when it can be retried: always derived
    # from the fields above (a field, not a property, so that it is part of the entry's JSON;
    # one of __init__'s, so that pydantic serializes it too).
    cannot_retry: str | None = None

    def __post_init__(self) -> None:
        if self.headers_only:
            why = "headers only: the body was never downloaded"
        elif self.size == 0:
            why = "no bytes: the message could not be read"
        else:
            why = None
        object.__setattr__(self, "cannot_retry", why)


@dataclass(frozen=True, slots=True)
class StoredRaw:
    """An entry's raw bytes, as a retry feeds them to the pipeline."""

    id: int
    source_ref: str
    raw: bytes
    created_at: datetime


def find_entries(
    session: Session, company_id: int, ids: Sequence[int] | None = None
) -> list[QuarantineEntry]:
    """The company's entries with these ids (every entry when None), oldest first.

    NotFound names the ids that are not the company's, whether unknown or another company's.
    """
    statement = _entries(company_id).order_by(Quarantine.id)
    if ids is not None:
        statement = statement.where(Quarantine.id.in_(ids))
    entries = [QuarantineEntry(*row) for row in session.execute(statement)]
    missing = sorted(set(ids or ()) - {e.id for e in entries})
    if missing:
        raise NotFound(f"no quarantine entry {', '.join(map(str, missing))} in this company")
    return entries


def quarantine_page(
    session: Session, company_id: int, *, cursor: str | None = None, limit: int = 50
) -> Page[QuarantineEntry]:
    """A page of the company's entries, oldest first."""
    return keyset_page(
        session, _entries(company_id), [Quarantine.id], lambda row: QuarantineEntry(*row),
        cursor=cursor, limit=limit,
    )  # fmt: skip


def _entries(company_id: int) -> AnySelect:
    return select(
        Quarantine.id,
        Quarantine.source_ref,
        Quarantine.reason,
        func.length(Quarantine.raw),
        Quarantine.headers_only,
        Quarantine.created_at,
    ).where(Quarantine.company_id == company_id)


def load_raw(session: Session, company_id: int, ids: Collection[int]) -> list[StoredRaw]:
    """The raw bytes of the company's entries among `ids`, by id."""
    rows = session.execute(
        select(Quarantine.id, Quarantine.source_ref, Quarantine.raw, Quarantine.created_at)
        .where(Quarantine.company_id == company_id, Quarantine.id.in_(ids))
        .order_by(Quarantine.id)
    )
    return [StoredRaw(*row) for row in rows]


def set_aside(session: Session, company_id: int, ids: Collection[int]) -> None:
    """Free the dedupe keys of entries about to be retried: a message that still fails is then
    quarantined afresh with its current reason, which `settle_retry` folds back in."""
    session.execute(
        update(Quarantine)
        .where(Quarantine.company_id == company_id, Quarantine.id.in_(ids))
        .values(dedupe_key=_SET_ASIDE + cast(Quarantine.id, String(20)))
    )


def settle_retry(
    session: Session, company_id: int, ids: Collection[int], stored: Collection[int]
) -> dict[int, str]:
    """After a retry: delete the entries among `ids` whose message is now `stored`; give the
    others back their dedupe key, with the reason of the failure the retry met, if it met one.

    Returns the new reason of each entry that failed again. Entries set aside by a retry that
    died are mended by the next retry of them.
    """
    rows = session.execute(
        select(Quarantine.id, Quarantine.raw_sha256)
        .where(Quarantine.company_id == company_id, Quarantine.id.in_(ids))
        .order_by(Quarantine.id)
    ).all()
    kept: dict[str, int] = {}
    gone = []
    for entry_id, digest in rows:
        # Two entries of the same bytes (a retry died, then an import quarantined them again).
        if entry_id in stored or digest in kept:
            gone.append(entry_id)
        else:
            kept[digest] = entry_id
    fresh = session.execute(
        select(Quarantine.id, Quarantine.dedupe_key, Quarantine.reason).where(
            Quarantine.company_id == company_id, Quarantine.dedupe_key.in_(kept)
        )
    ).all()
    gone.extend(row.id for row in fresh)
    session.execute(delete(Quarantine).where(Quarantine.id.in_(gone)))
    # For entries with bytes the dedupe key is their sha256 (see models.Quarantine).
    session.execute(
        update(Quarantine)
        .where(Quarantine.id.in_(kept.values()))
        .values(dedupe_key=Quarantine.raw_sha256)
    )
    reasons = {kept[row.dedupe_key]: row.reason for row in fresh}
    if reasons:
        session.execute(
            update(Quarantine), [{"id": i, "reason": reason} for i, reason in reasons.items()]
        )
    return reasons
