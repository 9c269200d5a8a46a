"""`Inbox`'s operations for the web inbox: the list a user sees, and marking a conversation
read for them."""

from __future__ import annotations

from inboxsync.db import companies as company_store
from inboxsync.db import inbox_view
from inboxsync.db.listing import ConversationFilter
from inboxsync.operations._base import InboxBase


class InboxViewOperations(InboxBase):
    """What a signed-in user's inbox shows and records."""

    def inbox_page(
        self,
        company: str | int,
        user_id: int,
        where: ConversationFilter | None = None,
        *,
        cursor: str | None = None,
        limit: int = 50,
    ) -> inbox_view.InboxPage:
        """A page of the company's conversations newest activity first, filtered by
        `where`, each with its last message and whether it is unread for `user_id`; pass
        its `next_cursor` back as `cursor` for the next one."""
        with self.reader_sessions() as session:
            company_id = company_store.company_id_by_name(session, company)
            return inbox_view.inbox_page(
                session, company_id, user_id, where or ConversationFilter(),
                cursor=cursor, limit=limit,
            )  # fmt: skip

    def mark_read(self, company: str | int, user_id: int, conversation_id: int) -> None:
        """Record that `user_id` has read the company's conversation (it is unread again once
        a message is stored after now); NotFound for a conversation of another company."""
        with self.sessions.begin() as session:
            company_id = company_store.company_id_by_name(session, company)
            inbox_view.mark_read(session, company_id, user_id, conversation_id)

    def inbox_folders(self, company: str | int) -> tuple[inbox_view.FolderCount, ...]:
        """The company's folders by name with their conversations (notifications left
        out), then the unfiled conversations (a `FolderCount` whose id is None)."""
        with self.reader_sessions() as session:
            return inbox_view.folder_counts(
                session, company_store.company_id_by_name(session, company)
            )
