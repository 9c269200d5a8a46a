"""`Inbox`'s operations on agents' replies: written, queued, sent through the outbox."""

from __future__ import annotations

from inboxsync.operations._base import InboxBase


class ReplyOperations(InboxBase):
    """The operations on agents' replies to conversations."""
