"""The web page's users as stored: their rows (never a password, only its argon2 hash), the
sign-in throttle's counters (by keyed hash of the address), and the server's generated
secrets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, case, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from inboxsync.db.dialect import insert_ignore, table_of
from inboxsync.db.models import Company, utcnow
from inboxsync.db.user_models import ServerSecret, SignInThrottle, User
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


# Expired throttle rows one failure deletes at most: the write stays small, yet outpaces the
# one row a failure adds, so the table holds little beyond the addresses failed in one lockout.
PRUNE_BATCH = 100


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


def set_password_hash(session: Session, company_id: int, user_id: int, password_hash: str) -> str:
    """Give the company's user a new password (their sessions end); returns their address."""
    email = load_user(session, company_id, user_id).email
    session.execute(
        update(User)
        .where(User.id == user_id)
        .values(password_hash=password_hash, session_version=User.session_version + 1)
    )
    return email


def find_user(session: Session, email: str) -> StoredUser | None:
    """The user whose (lower-cased) address is `email`, or None."""
    row = session.execute(select(User.id, User.password_hash).where(User.email == email)).first()
    return None if row is None else StoredUser(*row)


def record_sign_in(session: Session, user_id: int, new_hash: str | None) -> None:
    """Note a successful sign-in; `new_hash` replaces a hash made with older parameters."""
    values: dict[str, object] = {"last_sign_in_at": utcnow()}
    if new_hash is not None:
        values["password_hash"] = new_hash
    session.execute(update(User).where(User.id == user_id).values(**values))


def locked_until(session: Session, key: str, now: datetime) -> datetime | None:
    """When the throttle's lock of `key` (an address's HMAC) ends, or None when it has none
    at `now`."""
    until = session.scalar(select(SignInThrottle.locked_until).where(SignInThrottle.key == key))
    return until if until is not None and until > now else None


def record_failure(
    session: Session, key: str, now: datetime, *, max_failures: int, lockout: timedelta
) -> None:
    """Count a failed sign-in of `key` (an address's HMAC, known or not): a failure more than
    `lockout` after the one before counts from one again, and the `max_failures`th locks the
    key for `lockout` (the count starting again). Prunes expired rows."""
    session.execute(
        insert_ignore(session, table_of(SignInThrottle)).values(
            key=key, failures=0, expires_at=now, locked_until=None
        )
    )
    failures = session.scalar(
        update(SignInThrottle)
        .where(SignInThrottle.key == key)
        .values(
            failures=case((SignInThrottle.expires_at > now, SignInThrottle.failures + 1), else_=1),
            expires_at=now + lockout,
        )
        .returning(SignInThrottle.failures)
    )
    if failures is not None and failures >= max_failures:
        session.execute(
            update(SignInThrottle)
            .where(SignInThrottle.key == key)
            .values(failures=0, locked_until=now + lockout)
        )
    # A lock never outlasts its row: both end at the failure's time plus the lockout. Rows
    # another failure is writing are skipped (PostgreSQL): neither waits on the other, and a
    # row just counted again is not deleted.
    expired = (
        select(SignInThrottle.key)
        .where(SignInThrottle.expires_at <= now)
        .limit(PRUNE_BATCH)
        .with_for_update(skip_locked=True)
    )
    session.execute(delete(SignInThrottle).where(SignInThrottle.key.in_(expired)))


def clear_throttle(session: Session, key: str) -> None:
    """Forget the failures (and any lock) of `key`: after a success or a new password."""
    session.execute(delete(SignInThrottle).where(SignInThrottle.key == key))


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
