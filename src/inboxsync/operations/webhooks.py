"""`Inbox`'s operations on webhooks: endpoints, their delivery log, redelivery, delivery now."""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from inboxsync.db import companies as company_store
from inboxsync.db.events import EVENT_TYPES, last_event_seq
from inboxsync.errors import UsageError
from inboxsync.operations._base import InboxBase
from inboxsync.webhooks import (
    CreatedWebhook,
    DeliveryAttempt,
    DeliveryReport,
    Webhook,
    deliver_endpoint,
    store,
    validate_url,
)

SECRET_BYTES = 32
MIN_SECRET_CHARS = 16
MAX_SECRET_CHARS = 200
MAX_DELIVERIES = 1000


class WebhookOperations(InboxBase):
    """The operations on webhook endpoints."""

    def add_webhook(
        self,
        company: str | int,
        url: str,
        *,
        event_types: Sequence[str] = (),
        secret: str | None = None,
    ) -> CreatedWebhook:
        """Add an endpoint that receives the company's events recorded from now on (of
        `event_types`, else all), signed with `secret` (generated when not given; returned
        this once)."""
        validate_url(url, allow_private=self.settings.webhooks.allow_private_targets)
        unknown = set(event_types) - set(EVENT_TYPES)
        if unknown:
            raise UsageError(f"unknown event types: {', '.join(sorted(unknown))}")
        if secret is None:
            secret = "whsec_" + secrets.token_urlsafe(SECRET_BYTES)
        elif not (MIN_SECRET_CHARS <= len(secret) <= MAX_SECRET_CHARS and secret.isprintable()):
            raise UsageError(
                f"a webhook secret has {MIN_SECRET_CHARS} to {MAX_SECRET_CHARS} printable "
                "characters"
            )
        with self.sessions.begin() as session:
            company_id = company_store.company_id_by_name(session, company)
            endpoint = store.create_endpoint(
                session,
                company_id,
                url,
                secret,
                event_types,
                delivered_seq=last_event_seq(session, company_id),
            )
            return CreatedWebhook(store.webhook_of(endpoint), secret)

    def webhooks(self, company: str | int) -> tuple[Webhook, ...]:
        """The company's endpoints, oldest first (without their secrets)."""
        with self.reader_sessions() as session:
            return tuple(
                store.endpoints(session, company_store.company_id_by_name(session, company))
            )

    def webhook_deliveries(
        self, company: str | int, endpoint_id: int, *, limit: int = 50
    ) -> tuple[DeliveryAttempt, ...]:
        """The endpoint's last `limit` delivery attempts, newest first."""
        if not 1 <= limit <= MAX_DELIVERIES:
            raise UsageError(f"limit is between 1 and {MAX_DELIVERIES}, not {limit}")
        with self.reader_sessions() as session:
            company_id = company_store.company_id_by_name(session, company)
            endpoint = store.endpoint_of(session, company_id, endpoint_id)
            return tuple(store.deliveries(session, endpoint.id, limit))

    def redeliver(self, company: str | int, endpoint_id: int, *, from_seq: int) -> Webhook:
        """Deliver the endpoint's events again from seq `from_seq` on, re-enabling it if it
        was disabled; the next delivery run (a job, or `deliver_webhooks`) sends them."""
        with self.sessions.begin() as session:
            company_id = company_store.company_id_by_name(session, company)
            endpoint = store.endpoint_of(session, company_id, endpoint_id)
            last = last_event_seq(session, company_id)
            if not 1 <= from_seq <= last + 1:
                raise UsageError(f"from_seq is between 1 and {last + 1}, not {from_seq}")
            store.rewind(endpoint, from_seq)
            session.flush()
            return store.webhook_of(endpoint)

    def remove_webhook(self, company: str | int, endpoint_id: int) -> None:
        """Delete an endpoint and its delivery log."""
        with self.sessions.begin() as session:
            company_id = company_store.company_id_by_name(session, company)
            store.remove_endpoint(session, store.endpoint_of(session, company_id, endpoint_id))

    def deliver_webhooks(
        self, company: str | int, endpoint_id: int | None = None
    ) -> tuple[DeliveryReport, ...]:
        """Deliver now what the company's active endpoints (or the one given) have pending,
        without waiting for a retry's time; one report per endpoint."""
        with self.reader_sessions() as session:
            company_id = company_store.company_id_by_name(session, company)
            if endpoint_id is None:
                ids = [w.id for w in store.endpoints(session, company_id) if w.status == "active"]
            else:
                ids = [store.endpoint_of(session, company_id, endpoint_id).id]
        return tuple(deliver_endpoint(self.sessions, self.settings, i, force=True) for i in ids)
