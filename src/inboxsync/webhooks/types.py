"""What the webhook layer hands out: endpoints, their delivery log, and delivery reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Webhook:
    """An endpoint as its owner sees it (never its secret). `event_types` empty: every type;
    `delivered_seq` is the last event delivered or skipped by the filter."""

    id: int
    url: str
    event_types: tuple[str, ...]
    status: str
    disabled_reason: str
    delivered_seq: int
    failures: int
    failing_since: datetime | None
    next_attempt_at: datetime | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class CreatedWebhook:
    """A new endpoint and its signing secret (shown this once)."""

    webhook: Webhook
    secret: str


@dataclass(frozen=True, slots=True)
class DeliveryAttempt:
    """One attempt to deliver one event: `status_code` None when no answer came (`error`)."""

    id: int
    event_seq: int
    event_type: str
    attempt: int
    status_code: int | None
    error: str
    duration_ms: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    """What one delivery run did for one endpoint. `busy`: another deliverer held it;
    `retry_in`: seconds until it may be tried again (after a failure, or not due yet)."""

    endpoint_id: int
    delivered: int
    failed: bool
    status: str
    delivered_seq: int
    busy: bool = False
    retry_in: float | None = None
