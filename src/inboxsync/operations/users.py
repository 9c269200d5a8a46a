"""`Inbox`'s operations on the web page's users: accounts, sign-in."""

from __future__ import annotations

from inboxsync.operations._base import InboxBase


class UserOperations(InboxBase):
    """The web page's accounts."""
