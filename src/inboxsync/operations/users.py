"""`Inbox`'s operations on the web page's users: accounts, sign-in."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import timedelta
from functools import cache
from typing import TYPE_CHECKING

from inboxsync.db import companies as company_store
from inboxsync.db import users as user_store
from inboxsync.db.models import utcnow
from inboxsync.db.users import UserInfo
from inboxsync.errors import AuthError, SignInThrottled, UsageError
from inboxsync.operations._base import InboxBase

if TYPE_CHECKING:
    from argon2 import PasswordHasher

ROLES = ("agent", "admin")
MIN_PASSWORD = 8
# Longer passwords are refused, so that hashing one costs what hashing any does.
MAX_PASSWORD = 1024
_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")
_MAX_EMAIL = 254
WEB_SECRET = "web"
SIGN_IN_REFUSED = "wrong email address or password"


@cache
def _hasher() -> PasswordHasher:
    from argon2 import PasswordHasher  # imported here: only the web's users need it

    return PasswordHasher()


@cache
def _dummy_hash() -> str:
    """A hash no password matches, verified for unknown addresses so that they take as long."""
    return _hasher().hash(secrets.token_urlsafe(16))


def _checked_email(email: str) -> str:
    email = email.strip().lower()
    if len(email) > _MAX_EMAIL or not email.isprintable() or not _EMAIL.fullmatch(email):
        raise UsageError(f"not an email address: {email[:80]!r}")
    return email


def _checked_password(password: str) -> str:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise UsageError(
            f"a password has {MIN_PASSWORD} to {MAX_PASSWORD} characters, not {len(password)}"
        )
    return password


def _throttle_key(secret: bytes, email: str) -> str:
    """The throttle's name for a typed address: an HMAC under the web secret, so that the
    table never holds what was typed (and cannot be reversed without the secret)."""
    return hmac.new(secret, b"sign-in throttle\0" + email.encode(), hashlib.sha256).hexdigest()


def _verified(password_hash: str, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


class UserOperations(InboxBase):
    """The web page's accounts."""

    _web_secret: bytes | None = None

    def add_user(
        self, company: str | int, email: str, password: str, *, admin: bool = False
    ) -> UserInfo:
        """A new user of the company (an agent, or an admin); the address (lower-cased) is
        unique over every company."""
        email = _checked_email(email)
        password_hash = _hasher().hash(_checked_password(password))
        with self.sessions.begin() as session:
            company_id = company_store.company_id_by_name(session, company)
            user_id = user_store.add_user(session, company_id, email, password_hash, ROLES[admin])
            return user_store.load_user(session, company_id, user_id)

    def users(self, company: str | int) -> list[UserInfo]:
        """The company's users, oldest first."""
        with self.reader_sessions() as session:
            return user_store.list_users(
                session, company_store.company_id_by_name(session, company)
            )

    def remove_user(self, company: str | int, user_id: int) -> None:
        """Remove one of the company's users; their sessions end."""
        with self.sessions.begin() as session:
            user_store.remove_user(
                session, company_store.company_id_by_name(session, company), user_id
            )

    def set_password(self, company: str | int, user_id: int, password: str) -> None:
        """Give one of the company's users a new password; their sessions end, a lockout too."""
        password_hash = _hasher().hash(_checked_password(password))
        secret = self.web_secret()
        with self.sessions.begin() as session:
            company_id = company_store.company_id_by_name(session, company)
            email = user_store.set_password_hash(session, company_id, user_id, password_hash)
            user_store.clear_throttle(session, _throttle_key(secret, email))

    def sign_in(self, email: str, password: str) -> UserInfo:
        """The user with this address and password. AuthError when either is wrong (told
        apart by nothing, not even the time taken); SignInThrottled while the address is
        locked after too many failures, even with the right password. Every address, known
        or not, is counted and locked alike, so the throttle reveals no account either."""
        email = email.strip().lower()[: _MAX_EMAIL + 1]
        key = _throttle_key(self.web_secret(), email)
        now = utcnow()
        with self.reader_sessions() as session:
            locked = user_store.locked_until(session, key, now)
            stored = user_store.find_user(session, email)
        if locked is not None:
            raise SignInThrottled("too many failed sign-ins: try again later")
        # An overlong password is checked as the empty one, which matches no hash.
        checked = password if len(password) <= MAX_PASSWORD else ""
        if not _verified(stored.password_hash if stored else _dummy_hash(), checked) or not stored:
            with self.sessions.begin() as session:
                user_store.record_failure(
                    session,
                    key,
                    utcnow(),
                    max_failures=self.settings.web.login_max_failures,
                    lockout=timedelta(seconds=self.settings.web.login_lockout_seconds),
                )
            raise AuthError(SIGN_IN_REFUSED)
        rehashed = (
            _hasher().hash(password) if _hasher().check_needs_rehash(stored.password_hash) else None
        )
        with self.sessions.begin() as session:
            user_store.record_sign_in(session, stored.id, rehashed)
            user_store.clear_throttle(session, key)
            signed_in = user_store.session_user(session, stored.id)
        if signed_in is None:  # removed meanwhile
            raise AuthError(SIGN_IN_REFUSED)
        return signed_in

    def web_user(self, user: int, session_version: int) -> UserInfo | None:
        """The user a session names (`user`: the id signed into the cookie, of any company),
        while that session is live; None once the user is removed or changed password."""
        with self.reader_sessions() as session:
            return user_store.session_user(session, user, session_version)

    def web_secret(self) -> bytes:
        """The key that signs the web page's cookies: the configured one, else one generated
        once and kept in the database, so that every process shares it."""
        if self._web_secret is None:
            configured = self.settings.web.secret_key
            if configured is not None:
                self._web_secret = configured.get_secret_value().encode()
            else:
                with self.sessions.begin() as session:
                    value = user_store.server_secret(session, WEB_SECRET, secrets.token_urlsafe(32))
                self._web_secret = value.encode()
        return self._web_secret
