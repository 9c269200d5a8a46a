"""Tables of the web page's accounts: users of a company, and the secrets the server keeps."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from inboxsync.db.models import Base, utcnow


class User(Base):
    """A person who signs in to the web page: one company's agent or admin.

    `email` is lower-cased and unique over every company (signing in names no company).
    `session_version` is signed into each session cookie: bumping it ends every session.
    """

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    # "agent" or "admin".
    role: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Failed sign-ins since the last success or lockout; `locked_until` ends a lockout.
    failed_sign_ins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    session_version: Mapped[int] = mapped_column(Integer, default=1)


class ServerSecret(Base):
    """A secret the server generates once and every process shares (e.g. the key that signs
    the web page's cookies), one row per name."""

    __tablename__ = "server_secrets"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
