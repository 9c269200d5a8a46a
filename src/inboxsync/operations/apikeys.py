"""API keys: per company (read or write) and admin keys, stored as hashes."""

from __future__ import annotations

from inboxsync.operations._base import InboxBase


class ApiKeyOperations(InboxBase):
    """API keys."""
