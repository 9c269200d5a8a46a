"""An endpoint's delivery state: who holds it (the lease), and what each attempt changes.

Every change after the lease is taken is conditional on still holding it, and the advance
also on `delivered_seq` being what the deliverer read: a deliverer whose lease expired, or
whose endpoint was rewound (`redeliver`) meanwhile, changes nothing and stops.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import insert, or_, select, update
from sqlalchemy.orm import Session

from inboxsync.db.api_models import WebhookDelivery, WebhookEndpoint
from inboxsync.db.events import EventRow

# Stored error texts are cut to this (an exception's text can quote a whole answer).
MAX_ERROR_CHARS = 500


@dataclass(frozen=True, slots=True)
class Held:
    """An endpoint as its lease holder read it."""

    id: int
    company_id: int
    url: str
    secret: str
    event_types: tuple[str, ...]
    delivered_seq: int
    failures: int
    failing_since: datetime | None
    next_attempt_at: datetime | None


@dataclass(frozen=True, slots=True)
class Attempt:
    """The outcome of one POST."""

    event: EventRow
    number: int
    status_code: int | None
    error: str
    duration_ms: int

    @property
    def ok(self) -> bool:
        """A 2xx answer."""
        return self.status_code is not None and 200 <= self.status_code < 300


def take_lease(
    session: Session, endpoint_id: int, owner: str, now: datetime, seconds: float
) -> Held | None:
    """Take the endpoint's lease if it is active and free (or its holder's lease expired), and
    commit; the endpoint as then read, or None when it is taken, disabled or gone."""
    taken = session.execute(
        update(WebhookEndpoint)
        .where(
            WebhookEndpoint.id == endpoint_id,
            WebhookEndpoint.status == "active",
            or_(
                WebhookEndpoint.lease_owner == "",
                WebhookEndpoint.lease_until.is_(None),
                WebhookEndpoint.lease_until < now,
            ),
        )
        .values(lease_owner=owner, lease_until=now + timedelta(seconds=seconds))
    )
    session.commit()
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        return None
    e = session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id)).one()
    held = Held(
        e.id,
        e.company_id,
        e.url,
        e.secret,
        tuple(e.event_types.split()),
        e.delivered_seq,
        e.failures,
        e.failing_since,
        e.next_attempt_at,
    )
    session.commit()
    return held


def release_lease(session: Session, endpoint_id: int, owner: str) -> None:
    """Give the lease back (if still ours) and commit."""
    session.execute(
        update(WebhookEndpoint)
        .where(WebhookEndpoint.id == endpoint_id, WebhookEndpoint.lease_owner == owner)
        .values(lease_owner="", lease_until=None)
    )
    session.commit()


def record_success(
    session: Session, held: Held, owner: str, attempt: Attempt, now: datetime, lease_seconds: float
) -> Held | None:
    """Log the attempt, move `delivered_seq` to its event, clear the failures, renew the lease;
    commit. The endpoint as it now stands, or None when the lease or the position was lost."""
    moved = session.execute(
        update(WebhookEndpoint)
        .where(
            WebhookEndpoint.id == held.id,
            WebhookEndpoint.lease_owner == owner,
            WebhookEndpoint.delivered_seq == held.delivered_seq,
        )
        .values(
            delivered_seq=attempt.event.seq,
            failures=0,
            failing_since=None,
            next_attempt_at=None,
            lease_until=now + timedelta(seconds=lease_seconds),
        )
    )
    _log(session, held.id, attempt, now)
    session.commit()
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return replace(
        held,
        delivered_seq=attempt.event.seq,
        failures=0,
        failing_since=None,
        next_attempt_at=None,
    )


def skip_to(session: Session, held: Held, owner: str, seq: int) -> None:
    """Move `delivered_seq` past events the filter skips (unless the lease or the position
    was lost), and commit."""
    session.execute(
        update(WebhookEndpoint)
        .where(
            WebhookEndpoint.id == held.id,
            WebhookEndpoint.lease_owner == owner,
            WebhookEndpoint.delivered_seq == held.delivered_seq,
        )
        .values(delivered_seq=seq)
    )
    session.commit()


def record_failure(
    session: Session,
    held: Held,
    owner: str,
    attempt: Attempt,
    now: datetime,
    *,
    retry_at: datetime,
    disabled_reason: str,
) -> None:
    """Log the attempt, count the failure and set the next try (disable the endpoint instead
    when `disabled_reason` is given); commit."""
    values: dict[str, object] = {
        "failures": held.failures + 1,
        "failing_since": held.failing_since or now,
        "next_attempt_at": retry_at,
    }
    if disabled_reason:
        values |= {"status": "disabled", "disabled_reason": disabled_reason}
    session.execute(
        update(WebhookEndpoint)
        .where(WebhookEndpoint.id == held.id, WebhookEndpoint.lease_owner == owner)
        .values(**values)
    )
    _log(session, held.id, attempt, now)
    session.commit()


def _log(session: Session, endpoint_id: int, attempt: Attempt, now: datetime) -> None:
    session.execute(
        insert(WebhookDelivery).values(
            endpoint_id=endpoint_id,
            event_seq=attempt.event.seq,
            event_type=attempt.event.type,
            attempt=attempt.number,
            status_code=attempt.status_code,
            error=attempt.error[:MAX_ERROR_CHARS],
            duration_ms=attempt.duration_ms,
            created_at=now,
        )
    )
