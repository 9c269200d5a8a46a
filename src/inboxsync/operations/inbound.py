"""`Inbox`'s operations on mail delivered to it: raw messages received over HTTP."""

from __future__ import annotations

from inboxsync.operations._base import InboxBase


class InboundOperations(InboxBase):
    """The operations on mail delivered to inboxsync (not fetched by it)."""
