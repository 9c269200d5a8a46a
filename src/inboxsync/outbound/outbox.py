"""The outbox: one row per message to send (a conversation's auto-reply, an agent's reply),
claimed atomically before anything is sent.

A row's `attempts` doubles as a fencing token: every transition after a claim names the attempt
it belongs to, so a worker that lost its lease (and was replaced) cannot overwrite the newer
state. Rows are never deleted: `sent`, `failed` and `skipped` are final.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, select, text, update
from sqlalchemy.orm import Session

from inboxsync.db.dialect import insert_ignore
from inboxsync.db.events import NewEvent, record_events
from inboxsync.db.models import utcnow
from inboxsync.db.outbox_models import OutboxEntry
from inboxsync.outbound.policy import within_rate_limit

FINAL = frozenset({"sent", "failed", "skipped"})
# What counts against a recipient's 24-hour allowance: sent, or on its way.
COUNTED = ("claimed", "sending", "retry", "sent")
AUTO_REPLY = "auto_reply"
REPLY = "reply"


def auto_reply_key(conversation_id: int) -> str:
    """The dedup key of a conversation's one auto-reply."""
    return f"{AUTO_REPLY}:{conversation_id}"


def reply_key(idempotency_key: str) -> str:
    """The dedup key of an agent's reply sent with this Idempotency-Key."""
    return f"{REPLY}:{idempotency_key}"


@dataclass(frozen=True, slots=True)
class Draft:
    """The auto-reply to claim: rendered once, reused by every attempt."""

    company_id: int
    conversation_id: int
    recipient: str
    subject: str
    body: str
    message_id: str
    in_reply_to: str


@dataclass(frozen=True, slots=True)
class Claim:
    """The right to send row `outbox_id`, for attempt number `attempt`."""

    outbox_id: int
    attempt: int
    recipient: str
    subject: str
    body: str
    message_id: str
    in_reply_to: str


@dataclass(frozen=True, slots=True)
class ClaimResult:
    """`claim` when we may send now; else `state` (a final status, or busy / wait) and when to
    look again (`retry_in` seconds)."""

    state: str
    claim: Claim | None = None
    retry_in: float | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """One outbox row as `inboxsync outbox` lists it."""

    id: int
    company_id: int
    conversation_id: int
    status: str
    recipient: str
    subject: str
    attempts: int
    reason: str
    created_at: datetime
    sent_at: datetime | None
    next_attempt_at: datetime | None
    kind: str = AUTO_REPLY


def _inserted(session: Session, values: dict[str, Any]) -> bool:
    """INSERT the row unless its dedup key is taken; whether it was. (RETURNING, not the
    rowcount: an ORM insert's rowcount is -1 on PostgreSQL, which read as "inserted".)"""
    statement = insert_ignore(session, OutboxEntry).values(**values).returning(OutboxEntry.id)
    return session.execute(statement).scalar() is not None


def _lock_recipient(session: Session, company_id: int, recipient: str) -> None:
    """Serialize claims to one recipient (PostgreSQL; SQLite writers are serialized anyway)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    digest = hashlib.blake2b(f"{company_id}\0{recipient}".encode(), digest_size=8).digest()
    key = int.from_bytes(digest, "big", signed=True)
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def record_skip(
    session: Session, company_id: int, conversation_id: int, reason: str, recipient: str = ""
) -> bool:
    """Record that this conversation gets no auto-reply (final); False if it already has a row."""
    now = utcnow()
    inserted = _inserted(
        session,
        {
            "company_id": company_id,
            "conversation_id": conversation_id,
            "kind": AUTO_REPLY,
            "dedup_key": auto_reply_key(conversation_id),
            "status": "skipped",
            "reason": reason,
            "recipient": recipient[:320],
            "created_at": now,
            "updated_at": now,
        },
    )
    if not inserted:
        return False
    _announce(session, AUTO_REPLY, company_id, conversation_id, "skipped", reason)
    return True


def claim(
    session: Session,
    draft: Draft,
    *,
    per_recipient_24h: int,
    lease: timedelta,
    max_attempts: int,
) -> ClaimResult:
    """Claim the conversation's auto-reply for sending, in the caller's transaction.

    Inserts the row on first use (refusing, as a final `skipped`, a recipient over the 24-hour
    limit), or re-claims a row that waits for a retry or whose worker vanished. Anything
    else is reported, not claimed.
    """
    now = utcnow()
    _lock_recipient(session, draft.company_id, draft.recipient)
    row = session.scalar(_auto_reply_row(draft.conversation_id).with_for_update())
    if row is None:
        recent = session.scalar(
            select(func.count()).where(
                OutboxEntry.company_id == draft.company_id,
                OutboxEntry.recipient == draft.recipient,
                OutboxEntry.kind == AUTO_REPLY,
                OutboxEntry.status.in_(COUNTED),
                OutboxEntry.created_at > now - timedelta(hours=24),
            )
        )
        refused = within_rate_limit(int(recent or 0), per_recipient_24h)
        status = "skipped" if refused else "claimed"
        inserted = _inserted(
            session,
            {
                "company_id": draft.company_id,
                "conversation_id": draft.conversation_id,
                "kind": AUTO_REPLY,
                "dedup_key": auto_reply_key(draft.conversation_id),
                "status": status,
                "reason": refused or "",
                "recipient": draft.recipient,
                "subject": draft.subject,
                "body": draft.body,
                "message_id": draft.message_id,
                "in_reply_to": draft.in_reply_to,
                "attempts": 0 if refused else 1,
                "lease_until": None if refused else now + lease,
                "created_at": now,
                "updated_at": now,
            },
        )
        if not inserted:
            return ClaimResult("busy", retry_in=1.0, reason="claimed concurrently")
        if refused:
            _announce(
                session, AUTO_REPLY, draft.company_id, draft.conversation_id, "skipped", refused
            )
            return ClaimResult("skipped", reason=refused)
        return ClaimResult("claimed", claim=_claim_of(session, draft.conversation_id))
    return _reclaim(session, row, now, lease=lease, max_attempts=max_attempts)


def claim_reply(
    session: Session, outbox_id: int, *, lease: timedelta, max_attempts: int
) -> ClaimResult:
    """Claim an agent's reply (queued, due for a retry, or left by a vanished worker) for
    sending, in the caller's transaction; `gone` when there is no such reply."""
    row = session.scalar(
        select(OutboxEntry)
        .where(OutboxEntry.id == outbox_id, OutboxEntry.kind == REPLY)
        .with_for_update()
    )
    if row is None:
        return ClaimResult("gone", reason="no such reply")
    return _reclaim(session, row, utcnow(), lease=lease, max_attempts=max_attempts)


def _auto_reply_row(conversation_id: int) -> Select[OutboxEntry]:
    return select(OutboxEntry).where(
        OutboxEntry.conversation_id == conversation_id, OutboxEntry.kind == AUTO_REPLY
    )


def _reclaim(
    session: Session, row: OutboxEntry, now: datetime, *, lease: timedelta, max_attempts: int
) -> ClaimResult:
    if row.status in FINAL:
        return ClaimResult(row.status, reason=row.reason)
    if row.status in ("claimed", "sending") and row.lease_until and row.lease_until > now:
        return ClaimResult("busy", retry_in=(row.lease_until - now).total_seconds())
    if row.status == "sending":
        # The worker died (or stalled past its lease) while the server was receiving DATA:
        # the message may have been delivered. Sending it again could make a duplicate.
        _finish(
            session, row, "failed", "worker lost during SMTP DATA: delivery unknown, not resent"
        )
        return ClaimResult("failed", reason=row.reason)
    if row.status == "retry" and row.next_attempt_at and row.next_attempt_at > now:
        return ClaimResult("wait", retry_in=(row.next_attempt_at - now).total_seconds())
    if row.attempts >= max_attempts:
        reason = f"gave up after {row.attempts} attempts: {row.reason}".rstrip(": ")
        _finish(session, row, "failed", reason)
        return ClaimResult("failed", reason=reason)
    row.status = "claimed"
    row.attempts += 1
    row.lease_until = now + lease
    row.next_attempt_at = None
    row.updated_at = now
    session.flush()
    return ClaimResult("claimed", claim=_claim_from_row(row))


def _finish(session: Session, row: OutboxEntry, status: str, reason: str) -> None:
    row.status = status
    row.reason = reason
    row.lease_until = None
    row.updated_at = utcnow()
    session.flush()
    _announce(
        session, row.kind, row.company_id, row.conversation_id, status, reason, outbox_id=row.id
    )


def _announce(
    session: Session,
    kind: str,
    company_id: int,
    conversation_id: int,
    state: str,
    reason: str = "",
    *,
    outbox_id: int | None = None,
) -> None:
    """The event of a row reaching a final state (`auto_reply.*`, `reply.*`), in the
    transition's transaction; a reply's event names it."""
    data: dict[str, object] = {"reason": reason[:200]} if reason else {}
    if kind == REPLY:
        data["reply_id"] = outbox_id
    record_events(session, company_id, [NewEvent(f"{kind}.{state}", conversation_id, data=data)])


def _claim_of(session: Session, conversation_id: int) -> Claim:
    return _claim_from_row(session.scalars(_auto_reply_row(conversation_id)).one())


def _claim_from_row(row: OutboxEntry) -> Claim:
    return Claim(
        row.id, row.attempts, row.recipient, row.subject, row.body, row.message_id, row.in_reply_to
    )


@dataclass(frozen=True, slots=True)
class _Moved:
    kind: str
    company_id: int
    conversation_id: int
    outbox_id: int

    def announce(self, session: Session, state: str, reason: str = "") -> None:
        _announce(
            session,
            self.kind,
            self.company_id,
            self.conversation_id,
            state,
            reason,
            outbox_id=self.outbox_id,
        )


def _transition(
    session: Session, claim: Claim, from_states: tuple[str, ...], **values: object
) -> _Moved | None:
    """Move the claimed row on; what it is, or None if the claim was lost meanwhile."""
    row = session.execute(
        update(OutboxEntry)
        .where(
            OutboxEntry.id == claim.outbox_id,
            OutboxEntry.attempts == claim.attempt,
            OutboxEntry.status.in_(from_states),
        )
        .values(updated_at=utcnow(), **values)
        .returning(OutboxEntry.kind, OutboxEntry.company_id, OutboxEntry.conversation_id),
        execution_options={"synchronize_session": False},
    ).first()
    if row is None:
        return None
    return _Moved(str(row[0]), int(row[1]), int(row[2]), claim.outbox_id)


def mark_sending(session: Session, claim: Claim, lease: timedelta) -> bool:
    """The envelope was accepted and DATA comes next; False if the claim was lost meanwhile."""
    moved = _transition(
        session, claim, ("claimed",), status="sending", lease_until=utcnow() + lease
    )
    return moved is not None


def mark_sent(session: Session, claim: Claim) -> bool:
    """The server took the message. Also corrects a `failed` set by a worker that gave up on
    us while we were still in DATA: we know better now."""
    moved = _transition(
        session,
        claim,
        ("claimed", "sending", "failed"),
        status="sent",
        reason="",
        lease_until=None,
        sent_at=utcnow(),
    )
    if moved is None:
        return False
    moved.announce(session, "sent")
    return True


def mark_retry(session: Session, claim: Claim, reason: str, delay: float) -> bool:
    """Sending failed for now: try again after `delay` seconds."""
    moved = _transition(
        session,
        claim,
        ("claimed", "sending"),
        status="retry",
        reason=reason[:2000],
        lease_until=None,
        next_attempt_at=utcnow() + timedelta(seconds=delay),
    )
    return moved is not None


def mark_failed(session: Session, claim: Claim, reason: str) -> bool:
    """Sending failed for good."""
    moved = _transition(
        session,
        claim,
        ("claimed", "sending"),
        status="failed",
        reason=reason[:2000],
        lease_until=None,
    )
    if moved is None:
        return False
    moved.announce(session, "failed", reason)
    return True


def list_outbox(
    session: Session, company_id: int | None = None, status: str | None = None, limit: int = 200
) -> list[OutboxRow]:
    """Outbox rows, newest first, optionally of one company or one status."""
    query = select(OutboxEntry).order_by(OutboxEntry.id.desc()).limit(limit)
    if company_id is not None:
        query = query.where(OutboxEntry.company_id == company_id)
    if status is not None:
        query = query.where(OutboxEntry.status == status)
    return [
        OutboxRow(
            r.id,
            r.company_id,
            r.conversation_id,
            r.status,
            r.recipient,
            r.subject,
            r.attempts,
            r.reason,
            r.created_at,
            r.sent_at,
            r.next_attempt_at,
            r.kind,
        )
        for r in session.scalars(query)
    ]


def status_counts(session: Session, company_id: int | None = None) -> dict[str, int]:
    """How many outbox rows are in each status."""
    query = select(OutboxEntry.status, func.count()).group_by(OutboxEntry.status)
    if company_id is not None:
        query = query.where(OutboxEntry.company_id == company_id)
    return {status: int(n) for status, n in session.execute(query)}
