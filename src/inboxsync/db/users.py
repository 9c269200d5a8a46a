"""The web page's users as stored: their rows (never a password, only its argon2 hash), the
sign-in throttle's counters, and the server's generated secrets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from inboxsync.db.models import Company, utcnow
from inboxsync.db.user_models import ServerSecret, User
from inboxsync.errors import NotFound, UsageError


@dataclass(frozen=True, slots=True)
class UserInfo:
    """A user of the web page as lists show them: never their password or its hash."""

    id: int
    company_id: int
    company: str
    email: str
    role: str  # "agent" or "admin"
    created_at: datetime
    last_sign_in_at: datetime | None
    # Signed into each session cookie: a password change or removal ends older sessions.
    session_version: int


@dataclass(frozen=True, slots=True)
class StoredUser:
    """What checking a sign-in needs of a user's row."""

    id: int
    password_hash: str
    locked_until: datetime | None


def _infos() -> Select[int, int, str, str, str, datetime, datetime | None, int]:
    return select(
        User.id,
        User.company_id,
        Company.name,
        User.email,
        User.role,
        User.created_at,
        User.last_sign_in_at,
        User.session_version,
    ).join(Company, Company.id == User.company_id)


def add_user(session: Session, company_id: int, email: str, password_hash: str, role: str) -> int:
    """Store a user (`email` already lower-cased); UsageError when the address is taken, in
    any company."""
    taken = session.scalar(select(User.id).where(User.email == email))
    row = User(company_id=company_id, email=email, password_hash=password_hash, role=role)
    if taken is None:
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:
            taken = -1  # added meanwhile by another process
    if taken is not None:
        raise UsageError(f"a user with the address {email!r} already exists")
    return row.id


def list_users(session: Session, company_id: int) -> list[UserInfo]:
    """The company's users, oldest first."""
    query = _infos().where(User.company_id == company_id).order_by(User.id)
    return [UserInfo(*row) for row in session.execute(query)]


def load_user(session: Session, company_id: int, user_id: int) -> UserInfo:
    """The company's user `user_id`; NotFound when the company has no such user (another
    company's included)."""
    row = session.execute(_infos().where(User.id == user_id, User.company_id == company_id)).first()
    if row is None:
        raise NotFound(f"no user {user_id} in this company")
    return UserInfo(*row)


def remove_user(session: Session, company_id: int, user_id: int) -> None:
    """Delete the company's user `user_id` (their sessions die with the row)."""
    load_user(session, company_id, user_id)
    session.execute(delete(User).where(User.id == user_id))


def set_password_hash(session: Session, company_id: int, user_id: int, password_hash: str) -> None:
    """Give the company's user a new password: their sessions end, a lockout too."""
    load_user(session, company_id, user_id)
    session.execute(
        update(User)
        .where(User.id == user_id)
        .values(
            password_hash=password_hash,
            session_version=User.session_version + 1,
            failed_sign_ins=0,
            locked_until=None,
        )
    )


def find_user(session: Session, email: str) -> StoredUser | None:
    """The user whose (lower-cased) address is `email`, or None."""
    row = session.execute(
        select(User.id, User.password_hash, User.locked_until).where(User.email == email)
    ).first()
    return None if row is None else StoredUser(*row)


def record_failure(
    session: Session, user_id: int, *, max_failures: int, lockout: timedelta
) -> None:
    """Count a failed sign-in; the `max_failures`th locks the address for `lockout` (and
    starts the count again)."""
    failures = session.scalar(
        update(User)
        .where(User.id == user_id)
        .values(failed_sign_ins=User.failed_sign_ins + 1)
        .returning(User.failed_sign_ins)
    )
    if failures is not None and failures >= max_failures:
        session.execute(
            update(User)
            .where(User.id == user_id)
            .values(failed_sign_ins=0, locked_until=utcnow() + lockout)
        )


def record_sign_in(session: Session, user_id: int, new_hash: str | None) -> None:
    """Note a successful sign-in (the failure count starts again); `new_hash` replaces a hash
    made with older parameters."""
    values: dict[str, object] = {
        "last_sign_in_at": utcnow(),
        "failed_sign_ins": 0,
        "locked_until": None,
    }
    if new_hash is not None:
        values["password_hash"] = new_hash
    session.execute(update(User).where(User.id == user_id).values(**values))


def session_user(
    session: Session, user_id: int, session_version: int | None = None
) -> UserInfo | None:
    """The user `user_id` of any company, or None; with `session_version`, only while a
    session cookie carrying it is live (the user has not changed password since). One
    lookup by primary key."""
    query = _infos().where(User.id == user_id)
    if session_version is not None:
        query = query.where(User.session_version == session_version)
    row = session.execute(query).first()
    return None if row is None else UserInfo(*row)


def server_secret(session: Session, name: str, generated: str) -> str:
    """The secret called `name`: the stored one, else `generated`, stored now (when two
    processes race, the first one's stays and both return it)."""
    stored = session.scalar(select(ServerSecret.value).where(ServerSecret.name == name))
    if stored is not None:
        return stored
    try:
        with session.begin_nested():
            session.add(ServerSecret(name=name, value=generated))
    except IntegrityError:
        return session.scalars(select(ServerSecret.value).where(ServerSecret.name == name)).one()
    return generated
