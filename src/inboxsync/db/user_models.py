"""Tables of the web page's accounts: users of a company, the sign-in throttle, and the secrets
the server keeps."""

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
    session_version: Mapped[int] = mapped_column(Integer, default=1)


class SignInThrottle(Base):
    """Failed sign-ins of one typed address, whether or not an account has it (so that the
    throttle tells nothing of which addresses exist).

    `key` is an HMAC of the lower-cased address under the web secret: the table never holds
    what people typed. The row means nothing once `expires_at` is past, and is pruned.
    """

    __tablename__ = "sign_in_throttle"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    # Failures since the last success or lockout, each within the lockout of the one before.
    failures: Mapped[int] = mapped_column(Integer)
    # The last failure plus the lockout: the count (and any lock) has ended by then.
    expires_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)


class ServerSecret(Base):
    """A secret the server generates once and every process shares (e.g. the key that signs
    the web page's cookies), one row per name."""

    __tablename__ = "server_secrets"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
