"""Webhook endpoints and their deliveries."""

from __future__ import annotations

from inboxsync.operations._base import InboxBase


class WebhookOperations(InboxBase):
    """Webhooks."""
