"""Delivering an endpoint's events: in seq order, one signed POST each, stopping at the first
failure; run by the job workers only, so a slow or dead endpoint never slows a sync.

`delivered_seq` is committed after each accepted event, so a deliverer that dies redelivers
at most the event it had in flight; receivers dedupe by the event id
(`Inboxsync-Event-Id: <company_id>-<seq>`, also the body's `id`).
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session, sessionmaker

from inboxsync.config import Settings
from inboxsync.db.api_models import WebhookEndpoint
from inboxsync.db.events import EventRow, last_event_seq, read_events
from inboxsync.db.models import utcnow
from inboxsync.webhooks.policy import DeliveryPolicy
from inboxsync.webhooks.signing import EVENT_ID_HEADER, SIGNATURE_HEADER, signature_header
from inboxsync.webhooks.state import (
    Attempt,
    Held,
    record_failure,
    record_success,
    release_lease,
    skip_to,
    take_lease,
)
from inboxsync.webhooks.targets import TargetRefused, pin_targets
from inboxsync.webhooks.types import DeliveryReport

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)

USER_AGENT = "inboxsync-webhooks/1"
GONE = 410


def event_id(company_id: int, seq: int) -> str:
    """The idempotency key of an event: unique across companies, stable across redeliveries."""
    return f"{company_id}-{seq}"


def event_body(company_id: int, event: EventRow) -> bytes:
    """The JSON body POSTed for an event."""
    payload = {
        "id": event_id(company_id, event.seq),
        "company_id": company_id,
        "seq": event.seq,
        "type": event.type,
        "conversation_id": event.conversation_id,
        "message_id": event.message_id,
        "data": event.data,
        "created_at": event.created_at.isoformat() + "Z",
    }
    return json.dumps(payload, separators=(",", ":"), default=str).encode()


def deliver_endpoint(
    sessions: sessionmaker[Session],
    settings: Settings,
    endpoint_id: int,
    *,
    force: bool = False,
    policy: DeliveryPolicy | None = None,
) -> DeliveryReport:
    """Deliver the endpoint's pending events while holding its lease; `force` ignores the wait
    of a retry (an operator's "now"). Returns what was done and, when the endpoint must wait,
    in how many seconds it may be tried again."""
    import httpx  # imported here: only deliveries need it, not every command's start

    policy = policy or DeliveryPolicy.of(settings)
    owner = uuid.uuid4().hex
    delivered = 0
    with (
        httpx.Client(
            timeout=policy.timeout_seconds,
            follow_redirects=False,
            headers={"User-Agent": USER_AGENT, "Content-Type": "application/json"},
        ) as client,
        sessions() as session,
    ):
        while True:
            held = take_lease(session, endpoint_id, owner, utcnow(), policy.lease_seconds)
            if held is None:
                return _report(session, endpoint_id, delivered, busy=True)
            try:
                if not force and held.next_attempt_at and held.next_attempt_at > utcnow():
                    return _report(session, endpoint_id, delivered)
                count, failed = _deliver_held(session, client, held, owner, policy)
                delivered += count
            finally:
                release_lease(session, endpoint_id, owner)
            if failed:
                return _report(session, endpoint_id, delivered, failed=True)
            # Released, then looked again: an event committed while we held the lease, whose
            # own job found the endpoint busy and left it to us, is not left behind.
            if not _behind(session, held):
                return _report(session, endpoint_id, delivered)


def _deliver_held(
    session: Session, client: httpx.Client, held: Held, owner: str, policy: DeliveryPolicy
) -> tuple[int, bool]:
    """POST the held endpoint's events in order until one fails (True), none is left or the
    lease or position was lost (False: the caller looks again); returns how many were
    accepted, and that."""
    delivered = 0
    while True:
        last = last_event_seq(session, held.company_id)
        rows = read_events(
            session,
            held.company_id,
            after=held.delivered_seq,
            types=held.event_types or None,
            limit=policy.batch,
        )
        # No transaction stays open across a POST (on SQLite it would block every writer).
        session.commit()
        for event in rows:
            attempt = _post(client, held, event, policy.allow_private_targets)
            if not attempt.ok:
                _fail(session, held, owner, attempt, policy)
                return delivered, True
            moved = record_success(session, held, owner, attempt, utcnow(), policy.lease_seconds)
            if moved is None:
                log.info("webhook %s: lease or position lost (a redelivery?)", held.id)
                return delivered, False
            held = moved
            delivered += 1
        if len(rows) < policy.batch:
            # Every event up to `last` was visible to the read: those not returned are of
            # other types, and the filter skips them.
            if last > held.delivered_seq:
                skip_to(session, held, owner, last)
            return delivered, False


def _post(client: httpx.Client, held: Held, event: EventRow, allow_private: bool) -> Attempt:
    """One signed POST of one event to the endpoint's checked addresses (the next address
    only when one refuses the connection); its answer's body is never read."""
    import httpx  # already loaded by deliver_endpoint

    body = event_body(held.company_id, event)
    headers = {
        EVENT_ID_HEADER: event_id(held.company_id, event.seq),
        SIGNATURE_HEADER: signature_header(held.secret, int(time.time()), body),
    }
    number = held.failures + 1
    started = time.monotonic()
    status, error = None, ""
    try:
        for target in pin_targets(held.url, allow_private=allow_private):
            try:
                with client.stream(
                    "POST",
                    target.url,
                    content=body,
                    headers=headers | target.headers,
                    extensions=target.extensions,
                ) as response:
                    status, error = response.status_code, ""
                break
            except httpx.ConnectError as exc:
                error = f"ConnectError: {exc}"
    except TargetRefused as exc:
        error = f"refused: {exc}"
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"
    except httpx.InvalidURL as exc:
        error = f"invalid URL: {exc}"
    millis = round((time.monotonic() - started) * 1000)
    if status is not None and not 200 <= status < 300:
        error = f"HTTP {status}"
    return Attempt(event, number, status, error, millis)


def _fail(
    session: Session, held: Held, owner: str, attempt: Attempt, policy: DeliveryPolicy
) -> None:
    """Record a failed attempt: the next try after the backoff, or the endpoint disabled."""
    now = utcnow()
    failing_since = held.failing_since or now
    reason = ""
    if attempt.status_code == GONE:
        reason = f"the endpoint answered 410 Gone (event {attempt.event.seq})"
    elif now - failing_since > timedelta(seconds=policy.disable_after_seconds):
        reason = (
            f"failing since {failing_since.isoformat(timespec='seconds')}Z "
            f"({attempt.number} attempts; last: {attempt.error})"
        )
    delay = policy.backoff.delay(attempt.number)
    retry_at = now + timedelta(seconds=delay)
    record_failure(session, held, owner, attempt, now, retry_at=retry_at, disabled_reason=reason)
    if reason:
        log.warning("webhook %s disabled: %s", held.id, reason)
    else:
        log.info("webhook %s: %s, retry in %.0fs", held.id, attempt.error, delay)


def _behind(session: Session, held: Held) -> bool:
    """Whether the company has events after the endpoint's position (which may have moved)."""
    endpoint = session.get(WebhookEndpoint, held.id, populate_existing=True)
    behind = endpoint is not None and endpoint.delivered_seq < last_event_seq(
        session, held.company_id
    )
    session.commit()
    return behind


def _report(
    session: Session, endpoint_id: int, delivered: int, *, busy: bool = False, failed: bool = False
) -> DeliveryReport:
    """The report of a run, with the endpoint as it now stands."""
    endpoint = session.get(WebhookEndpoint, endpoint_id, populate_existing=True)
    session.commit()
    if endpoint is None:
        return DeliveryReport(endpoint_id, delivered, failed, "removed", 0)
    retry_in = None
    if endpoint.status == "active" and endpoint.next_attempt_at is not None:
        retry_in = max(0.0, (endpoint.next_attempt_at - utcnow()).total_seconds())
    return DeliveryReport(
        endpoint_id,
        delivered,
        failed,
        endpoint.status,
        endpoint.delivered_seq,
        busy=busy and endpoint.status == "active",
        retry_in=retry_in,
    )
