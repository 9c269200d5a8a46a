"""`Inbox`'s read of one conversation as the web page shows it, in a fixed number of
statements."""

from __future__ import annotations

from inboxsync.db import companies as company_store
from inboxsync.db.conversation_view import (
    ConversationView,
    InlineImage,
    conversation_view,
    inline_images,
)
from inboxsync.operations._base import InboxBase


class ConversationViewOperations(InboxBase):
    """The conversation page's read."""

    def conversation_view(self, company: str | int, conversation_id: int) -> ConversationView:
        """One of the company's conversations with why it was filed, its latest messages and
        their attachments, what was sent for it, the folders it can move to and the client's
        other recent conversations; NotFound for another company's."""
        with self.reader_sessions() as session:
            company_id = company_store.company_id_by_name(session, company)
            return conversation_view(session, company_id, conversation_id)

    def inline_images(self, company: str | int, message_id: int) -> tuple[InlineImage, ...]:
        """The raster images a message's HTML names by `cid:` (a bounded number, each of a
        bounded size), with their bytes; NotFound for another company's message."""
        with self.reader_sessions() as session:
            company_id = company_store.company_id_by_name(session, company)
            return inline_images(session, company_id, message_id)
