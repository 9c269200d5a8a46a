"""ORM models of the whole schema. ORM objects stay in `db/`; stages exchange plain dataclasses."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    """Naive UTC now: every timestamp in the database is naive UTC."""
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class Company(Base):
    __tablename__ = "companies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # The seq of the company's last event (db/events.py): bumped in each transaction that
    # writes events, so that a company's events are numbered in commit order.
    last_event_seq: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class CompanyAddress(Base):
    """One of a company's own addresses: mail from it is outgoing, never a client."""

    __tablename__ = "company_addresses"
    __table_args__ = (UniqueConstraint("company_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(320))


class Mailbox(Base):
    """A remote mailbox (IMAP account) of a company. Secrets are references, never values."""

    __tablename__ = "mailboxes"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    imap_host: Mapped[str] = mapped_column(String(255))
    imap_port: Mapped[int] = mapped_column(Integer)
    imap_tls: Mapped[str] = mapped_column(String(10))
    username: Mapped[str] = mapped_column(String(320))
    secret_kind: Mapped[str] = mapped_column(String(20))
    secret_ref: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    first_synced_at: Mapped[datetime | None] = mapped_column(DateTime)
    # A paused mailbox is skipped by every sync (sync, watch, the scheduled jobs).
    paused: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # When the last sync that met no error ended; the last error and when it happened.
    last_sync_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None] = mapped_column(DateTime)


class MailboxFolder(Base):
    """Per-folder sync cursor: advanced in the same transaction as the messages it covers."""

    __tablename__ = "mailbox_folders"
    __table_args__ = (UniqueConstraint("mailbox_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mailbox_id: Mapped[int] = mapped_column(ForeignKey("mailboxes.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(500))
    uidvalidity: Mapped[int | None] = mapped_column(BigInteger)
    last_uid: Mapped[int] = mapped_column(BigInteger, default=0)
    highestmodseq: Mapped[int | None] = mapped_column(BigInteger)
    last_synced_at: Mapped[datetime | None] = mapped_column(DateTime)
    # UIDNEXT as EXAMINE last showed it: mail waiting on the server is uidnext - 1 - last_uid.
    uidnext: Mapped[int | None] = mapped_column(BigInteger)


class MailboxLease(Base):
    """Who is syncing a mailbox now, until when: one sync per mailbox across processes."""

    __tablename__ = "mailbox_leases"

    mailbox_id: Mapped[int] = mapped_column(
        ForeignKey("mailboxes.id", ondelete="CASCADE"), primary_key=True
    )
    holder: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[datetime] = mapped_column(DateTime)


class Client(Base):
    __tablename__ = "clients"
    __table_args__ = (UniqueConstraint("company_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(320))
    name: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Folder(Base):
    __tablename__ = "folders"
    __table_args__ = (UniqueConstraint("company_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    ai_description: Mapped[str] = mapped_column(Text, default="")
    auto_reply_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    auto_reply_subject: Mapped[str | None] = mapped_column(Text)
    auto_reply_body: Mapped[str | None] = mapped_column(Text)


class Conversation(Base):
    __tablename__ = "conversations"
    __table_args__ = (
        Index("ix_conversations_subject", "company_id", "subject_norm", "last_message_at"),
        Index("ix_conversations_status", "company_id", "status"),
        Index("ix_conversations_updated", "company_id", "updated_at", "id"),
        # A client's conversations, newest first (the conversation page's merge candidates).
        Index("ix_conversations_client", "client_id", "last_message_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id", ondelete="SET NULL"))
    subject: Mapped[str] = mapped_column(Text, default="")
    subject_norm: Mapped[str] = mapped_column(String(500), default="")
    # Key of the message that opened the conversation.
    root_message_key: Mapped[str] = mapped_column(String(500), default="")
    is_notification: Mapped[bool] = mapped_column(Boolean, default=False)
    # External addresses seen in the thread, space-separated, for subject threading.
    participants: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[datetime] = mapped_column(DateTime)
    last_message_at: Mapped[datetime] = mapped_column(DateTime)
    message_count: Mapped[int] = mapped_column(Integer, default=0)
    folder_id: Mapped[int | None] = mapped_column(ForeignKey("folders.id", ondelete="SET NULL"))
    # pending → classifying → classified | unclassified | failed; notifications are `skipped`.
    status: Mapped[str] = mapped_column(String(20), default="pending")
    status_reason: Mapped[str] = mapped_column(Text, default="")
    folder_confidence: Mapped[float | None] = mapped_column(Float)
    # Who filed it: "ai", "local" or "user" (a user's correction is never overwritten).
    folder_source: Mapped[str] = mapped_column(String(10), default="")
    # Version of the company's folder definitions the decision was made against.
    folder_version: Mapped[str] = mapped_column(String(64), default="")
    # USD of paid AI calls its latest filing took (its share of each); NULL: never filed.
    ai_cost_usd: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Bumped by every change (a new message, a merge, a filing): what API consumers that
    # mirror conversations follow with `updated_since`.
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class InboxMessage(Base):
    __tablename__ = "inbox_messages"
    __table_args__ = (
        UniqueConstraint("company_id", "message_key"),
        Index("ix_inbox_messages_in_reply_to", "company_id", "in_reply_to"),
        Index("ix_inbox_messages_conversation", "conversation_id", "date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    message_key: Mapped[str] = mapped_column(String(500))
    message_id: Mapped[str | None] = mapped_column(String(500))
    in_reply_to: Mapped[str | None] = mapped_column(String(500))
    references: Mapped[str] = mapped_column(Text, default="")
    mailbox_id: Mapped[int | None] = mapped_column(ForeignKey("mailboxes.id", ondelete="SET NULL"))
    source_ref: Mapped[str] = mapped_column(Text, default="")
    direction: Mapped[str] = mapped_column(String(3), default="in")
    from_email: Mapped[str] = mapped_column(String(320), default="")
    from_name: Mapped[str] = mapped_column(String(500), default="")
    to_emails: Mapped[str] = mapped_column(Text, default="")
    cc_emails: Mapped[str] = mapped_column(Text, default="")
    subject: Mapped[str] = mapped_column(Text, default="")
    date: Mapped[datetime] = mapped_column(DateTime)
    body_text: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str | None] = mapped_column(Text)
    size: Mapped[int] = mapped_column(Integer, default=0)
    # When the mailbox received it (IMAP INTERNALDATE); None for file imports.
    arrived_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The one sender address an auto-reply may go to, strictly validated; None when there is none.
    reply_address: Mapped[str | None] = mapped_column(String(320))
    is_notification: Mapped[bool] = mapped_column(Boolean, default=False)
    notification_rule: Mapped[str] = mapped_column(String(100), default="")
    notification_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Blob(Base):
    """Attachment bytes, stored once per sha256 whatever the number of messages carrying them."""

    __tablename__ = "blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class Attachment(Base):
    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("inbox_messages.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(255))
    content_id: Mapped[str | None] = mapped_column(String(500))
    is_inline: Mapped[bool] = mapped_column(Boolean, default=False)
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"), index=True)


class Quarantine(Base):
    """A message that could not be stored, with its raw bytes and the reason."""

    __tablename__ = "quarantine"
    __table_args__ = (UniqueConstraint("company_id", "dedupe_key", name="uq_quarantine_dedupe"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    mailbox_id: Mapped[int | None] = mapped_column(ForeignKey("mailboxes.id", ondelete="SET NULL"))
    source_ref: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text)
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    raw_sha256: Mapped[str] = mapped_column(String(64))
    # What makes two failures the same one: the raw bytes' sha256, or for a file that could
    # not be read (no bytes) a hash of its path.
    dedupe_key: Mapped[str] = mapped_column(String(64))
    headers_only: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class SyncRun(Base):
    __tablename__ = "sync_runs"
    __table_args__ = (Index("ix_sync_runs_status", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    mailbox_id: Mapped[int | None] = mapped_column(ForeignKey("mailboxes.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    # running → finished | failed | interrupted (its process died; marked by the next run).
    status: Mapped[str] = mapped_column(String(20))
    report: Mapped[str] = mapped_column(Text, default="{}")
    # Which process runs it, so a later run can tell a dead one from a live one.
    host: Mapped[str] = mapped_column(String(255), default="", server_default="")
    pid: Mapped[int | None] = mapped_column(Integer)
