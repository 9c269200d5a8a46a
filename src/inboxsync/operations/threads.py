"""`Inbox`'s corrections of threading by people: merges and splits that later replies obey."""

from __future__ import annotations

from inboxsync.operations._base import InboxBase


class ThreadOperations(InboxBase):
    """Merges, splits and their undoing."""
