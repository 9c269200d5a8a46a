"""Tables of outgoing mail: a company's SMTP settings and the auto-reply outbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text
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
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class OutboxEntry(Base):
    """One auto-reply per conversation (the UNIQUE row is the at-most-once guarantee).

    status: claimed → sending → sent, or retry (SMTP failed, `next_attempt_at`) → claimed …,
    or failed (after the last attempt), or skipped (a policy rule said no; `reason` says which).
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_recipient", "company_id", "recipient", "created_at"),
        Index("ix_outbox_status", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), unique=True
    )
    kind: Mapped[str] = mapped_column(String(20), default="auto_reply")
    status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text, default="")
    recipient: Mapped[str] = mapped_column(String(320), default="")
    subject: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    # Chosen once, at the first claim, so that every attempt carries the same Message-ID.
    message_id: Mapped[str] = mapped_column(String(500), default="")
    in_reply_to: Mapped[str] = mapped_column(String(500), default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
