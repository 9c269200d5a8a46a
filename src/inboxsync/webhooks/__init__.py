"""Webhooks: a company's events POSTed to its endpoints in order, signed, retried with
backoff, by the job workers (never by a sync)."""

from inboxsync.webhooks.delivery import deliver_endpoint, event_body, event_id
from inboxsync.webhooks.policy import DeliveryPolicy
from inboxsync.webhooks.signing import EVENT_ID_HEADER, SIGNATURE_HEADER, sign, verify
from inboxsync.webhooks.types import CreatedWebhook, DeliveryAttempt, DeliveryReport, Webhook
from inboxsync.webhooks.urls import validate_url

__all__ = [
    "EVENT_ID_HEADER",
    "SIGNATURE_HEADER",
    "CreatedWebhook",
    "DeliveryAttempt",
    "DeliveryPolicy",
    "DeliveryReport",
    "Webhook",
    "deliver_endpoint",
    "event_body",
    "event_id",
    "sign",
    "validate_url",
    "verify",
]
