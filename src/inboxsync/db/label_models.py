"""Tables of a company's own filing, the labels its classifier learns from: IMAP folders
mapped onto its folders, and example messages a folder carries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from inboxsync.db.models import Base, utcnow

# The `folder_source` of a person's decisions, which no classifier overwrites: "user" filed
# by hand in inboxsync, "mailbox" filed by the company in a mapped IMAP folder.
HUMAN_SOURCES = ("user", "mailbox")


class MailboxFolderMap(Base):
    """An IMAP folder of a mailbox mapped onto one of the company's folders: its mail is filed
    there, as a person's decision."""

    __tablename__ = "mailbox_folder_maps"
    __table_args__ = (UniqueConstraint("mailbox_id", "imap_folder"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    mailbox_id: Mapped[int] = mapped_column(ForeignKey("mailboxes.id", ondelete="CASCADE"))
    imap_folder: Mapped[str] = mapped_column(String(500))
    folder_id: Mapped[int] = mapped_column(ForeignKey("folders.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class FolderExample(Base):
    """An example message of a folder (subject and text), a labeled example for the local
    model; its embedding is stored once computed (`embedding_model` names the model)."""

    __tablename__ = "folder_examples"
    __table_args__ = (Index("ix_folder_examples_folder", "company_id", "folder_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    folder_id: Mapped[int] = mapped_column(ForeignKey("folders.id", ondelete="CASCADE"))
    subject: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text, default="")
    # The conversation it was copied from, if any (`--from-conversation`).
    conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL")
    )
    embedding_model: Mapped[str] = mapped_column(String(40), default="")
    embedding: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
