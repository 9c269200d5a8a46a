"""One message: its text, its HTML sanitized, its attachments."""

from __future__ import annotations

from inboxsync.operations._base import InboxBase


class MessageOperations(InboxBase):
    """Messages."""
