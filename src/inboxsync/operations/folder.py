"""`Inbox`'s operations on folders: create, read, edit (auto-replies too) and remove them,
file by hand, give them example messages."""

from __future__ import annotations

from inboxsync.ai import folder_examples as examples
from inboxsync.ai import set_folder
from inboxsync.ai.corrections import FolderCorrection
from inboxsync.ai.folder_examples import FolderExampleInfo
from inboxsync.db import companies as company_store
from inboxsync.db import listing
from inboxsync.operations._base import InboxBase
from inboxsync.outbound import (
    FolderAutoReply,
    set_folder_auto_reply,
)


class FolderOperations(InboxBase):
    """The operations on folders."""

    def add_folder(
        self,
        company: str | int,
        name: str,
        description: str,
        *,
        auto_reply_subject: str | None = None,
        auto_reply_body: str | None = None,
    ) -> int:
        """Create a folder the classifier files by `description`, with an auto-reply when
        both templates are given; returns its id. Nothing is created when either is wrong."""
        with self.sessions.begin() as session:
            company_id = company_store.company_id_by_name(session, company)
            folder_id = company_store.add_folder(session, company_id, name, description)
            if auto_reply_subject is not None or auto_reply_body is not None:
                set_folder_auto_reply(
                    session, company_id, folder_id, subject=auto_reply_subject, body=auto_reply_body
                )
            return folder_id

    def edit_folder(
        self,
        company: str | int,
        folder: str | int,
        *,
        description: str | None = None,
        auto_reply: bool | None = None,
        auto_reply_subject: str | None = None,
        auto_reply_body: str | None = None,
    ) -> FolderAutoReply:
        """Change a folder's description or auto-reply (None leaves a field as it is; a
        template given turns the auto-reply on unless `auto_reply` is False)."""
        with self.sessions.begin() as session:
            return set_folder_auto_reply(
                session,
                company_store.company_id_by_name(session, company),
                folder,
                enabled=auto_reply,
                subject=auto_reply_subject,
                body=auto_reply_body,
                description=description,
            )

    def set_folder(
        self, company: str | int, conversation_id: int, folder: str | int
    ) -> FolderCorrection:
        """File a conversation by hand (folder name, id, or "none"): a user's decision is never
        overwritten by a classifier."""
        return set_folder(
            self.sessions, conversation_id, folder, company_id=self.company_id(company)
        )

    def folders(self, company: str | int) -> tuple[listing.FolderInfo, ...]:
        """The company's folders by name, with their auto-replies."""
        with self.reader_sessions() as session:
            company_id = company_store.company_id_by_name(session, company)
            return tuple(listing.list_folders(session, company_id))

    def folder(self, company: str | int, folder: str | int) -> listing.FolderInfo:
        """One of the company's folders (name or id), with its auto-reply."""
        with self.reader_sessions() as session:
            company_id = company_store.company_id_by_name(session, company)
            return listing.folder_info(session, company_id, folder)

    def folder_page(
        self, company: str | int, *, cursor: str | None = None, limit: int = 50
    ) -> listing.Page[listing.FolderInfo]:
        """A page of the company's folders by name; pass its `next_cursor` back as
        `cursor` for the next one."""
        with self.reader_sessions() as session:
            company_id = company_store.company_id_by_name(session, company)
            return listing.folder_page(session, company_id, cursor=cursor, limit=limit)

    def remove_folder(self, company: str | int, folder: str | int) -> int:
        """Delete a folder (name or id); its conversations become unfiled. Returns how many
        conversations it held."""
        with self.sessions.begin() as session:
            company_id = company_store.company_id_by_name(session, company)
            return company_store.remove_folder(session, company_id, folder)

    def add_folder_example(
        self,
        company: str | int,
        folder: str | int,
        *,
        subject: str = "",
        text: str = "",
        conversation_id: int | None = None,
    ) -> FolderExampleInfo:
        """Give a folder an example message (`subject` and `text`, or those of a conversation
        of the company): the local model learns from it as from a conversation filed there.
        At most 50 per folder, the text cut to 2,000 characters."""
        with self.sessions.begin() as session:
            return examples.add_example(
                session,
                company_store.company_id_by_name(session, company),
                folder,
                subject=subject,
                text=text,
                conversation_id=conversation_id,
            )

    def folder_examples(
        self, company: str | int, folder: str | int | None = None
    ) -> tuple[FolderExampleInfo, ...]:
        """The example messages of the company's folders (of one folder)."""
        with self.reader_sessions() as session:
            company_id = company_store.company_id_by_name(session, company)
            return tuple(examples.list_examples(session, company_id, folder))

    def remove_folder_example(self, company: str | int, example_id: int) -> None:
        """Delete one of the company's folder examples."""
        with self.sessions.begin() as session:
            examples.remove_example(
                session, company_store.company_id_by_name(session, company), example_id
            )
