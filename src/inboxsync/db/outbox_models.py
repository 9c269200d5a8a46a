"""Tables of outgoing mail: a company's SMTP settings and the outbox (auto-replies and
agents' replies)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from inboxsync.db.models import Base, utcnow


class CompanySmtp(Base):
    """How a company sends mail. The password is never stored: only the name of the
    environment variable that holds it."""

    __tablename__ = "company_smtp"

    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True
    )
    host: Mapped[str] = mapped_column(String(255))
    port: Mapped[int] = mapped_column(Integer)
    # "none", "starttls" or "ssl".
    tls: Mapped[str] = mapped_column(String(10))
    username: Mapped[str | None] = mapped_column(String(320))
    password_env: Mapped[str | None] = mapped_column(String(200))
    # Envelope and From address; empty means the company's first own address.
    from_address: Mapped[str] = mapped_column(String(320), default="")
    # Where a copy of each agent's reply is appended over IMAP (none without a mailbox).
    sent_mailbox_id: Mapped[int | None] = mapped_column(
        ForeignKey("mailboxes.id", ondelete="SET NULL")
    )
    sent_folder: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class OutboxEntry(Base):
    """One message to send, at most once: the UNIQUE (company, dedup_key) row is the
    guarantee. An auto-reply's key is `auto_reply:<conversation id>` (one per conversation),
    an agent's reply's `reply:<Idempotency-Key>` (or a random one).

    status: (queued →) claimed → sending → sent, or retry (SMTP failed, `next_attempt_at`) →
    claimed …, or failed (after the last attempt), or skipped (a policy rule said no; `reason`
    says which; auto-replies only).
    """

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("company_id", "dedup_key", name="uq_outbox_dedup"),
        Index("ix_outbox_conversation", "conversation_id", "kind"),
        Index("ix_outbox_recipient", "company_id", "recipient", "created_at"),
        Index("ix_outbox_status", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    # "auto_reply" or "reply" (an agent's).
    kind: Mapped[str] = mapped_column(String(20), default="auto_reply")
    dedup_key: Mapped[str] = mapped_column(String(250))
    # sha256 of what an agent's reply asked for: the same key with another body is refused.
    request_hash: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text, default="")
    recipient: Mapped[str] = mapped_column(String(320), default="")
    subject: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str | None] = mapped_column(Text)
    # JSON list of {filename, content_type, sha256, size}: the bytes are in `blobs`.
    attachments: Mapped[str] = mapped_column(Text, default="[]")
    # Chosen once, at the first claim, so that every attempt carries the same Message-ID.
    message_id: Mapped[str] = mapped_column(String(500), default="")
    in_reply_to: Mapped[str] = mapped_column(String(500), default="")
    # Space-separated bare ids (an agent's reply's, chosen when it is written).
    thread_references: Mapped[str] = mapped_column(Text, default="")
    # The IMAP copy in the Sent folder: "", "appended" or "failed: <reason>".
    sent_copy: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
