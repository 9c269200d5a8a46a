"""Webhook endpoints and their delivery log in the database, each query within one company."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from inboxsync.db.api_models import WebhookDelivery, WebhookEndpoint
from inboxsync.db.models import Company, utcnow
from inboxsync.errors import NotFound
from inboxsync.webhooks.types import DeliveryAttempt, Webhook


def webhook_of(endpoint: WebhookEndpoint) -> Webhook:
    """The public view of an endpoint row."""
    return Webhook(
        id=endpoint.id,
        url=endpoint.url,
        event_types=tuple(endpoint.event_types.split()),
        status=endpoint.status,
        disabled_reason=endpoint.disabled_reason,
        delivered_seq=endpoint.delivered_seq,
        failures=endpoint.failures,
        failing_since=endpoint.failing_since,
        next_attempt_at=endpoint.next_attempt_at,
        created_at=endpoint.created_at,
    )


def create_endpoint(
    session: Session,
    company_id: int,
    url: str,
    secret: str,
    event_types: Sequence[str],
    delivered_seq: int,
) -> WebhookEndpoint:
    """Add an endpoint that receives the events after `delivered_seq` (flushed, not committed)."""
    endpoint = WebhookEndpoint(
        company_id=company_id,
        url=url,
        secret=secret,
        event_types=" ".join(sorted(set(event_types))),
        status="active",
        disabled_reason="",
        delivered_seq=delivered_seq,
        failures=0,
        lease_owner="",
        created_at=utcnow(),
    )
    session.add(endpoint)
    session.flush()
    return endpoint


def endpoint_of(session: Session, company_id: int, endpoint_id: int) -> WebhookEndpoint:
    """The company's endpoint `endpoint_id`; NotFound for an unknown or another company's id."""
    endpoint = session.scalar(
        select(WebhookEndpoint).where(
            WebhookEndpoint.id == endpoint_id, WebhookEndpoint.company_id == company_id
        )
    )
    if endpoint is None:
        raise NotFound(f"no webhook {endpoint_id} in this company")
    return endpoint


def endpoints(session: Session, company_id: int) -> list[Webhook]:
    """Every endpoint of the company, oldest first."""
    rows = session.scalars(
        select(WebhookEndpoint)
        .where(WebhookEndpoint.company_id == company_id)
        .order_by(WebhookEndpoint.id)
    )
    return [webhook_of(e) for e in rows]


def deliveries(session: Session, endpoint_id: int, limit: int) -> list[DeliveryAttempt]:
    """The endpoint's last `limit` delivery attempts, newest first."""
    rows = session.scalars(
        select(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint_id)
        .order_by(WebhookDelivery.id.desc())
        .limit(limit)
    )
    return [
        DeliveryAttempt(
            d.id,
            d.event_seq,
            d.event_type,
            d.attempt,
            d.status_code,
            d.error,
            d.duration_ms,
            d.created_at,
        )
        for d in rows
    ]


def rewind(endpoint: WebhookEndpoint, from_seq: int) -> None:
    """Deliver again from event `from_seq` on, with a clean slate (re-enabled, no failures)."""
    endpoint.delivered_seq = from_seq - 1
    endpoint.status = "active"
    endpoint.disabled_reason = ""
    endpoint.failures = 0
    endpoint.failing_since = None
    endpoint.next_attempt_at = None


def remove_endpoint(session: Session, endpoint: WebhookEndpoint) -> None:
    """Delete an endpoint and its delivery log."""
    session.execute(delete(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id))
    session.delete(endpoint)


def due_endpoint_ids(session: Session, company_id: int, now: datetime) -> list[int]:
    """The company's active endpoints with events still to deliver and no retry waiting:
    those a delivery job should be queued for."""
    query = (
        select(WebhookEndpoint.id)
        .join(Company, Company.id == WebhookEndpoint.company_id)
        .where(
            WebhookEndpoint.company_id == company_id,
            WebhookEndpoint.status == "active",
            WebhookEndpoint.delivered_seq < Company.last_event_seq,
            (WebhookEndpoint.next_attempt_at.is_(None)) | (WebhookEndpoint.next_attempt_at <= now),
        )
        .order_by(WebhookEndpoint.id)
    )
    return list(session.scalars(query))
