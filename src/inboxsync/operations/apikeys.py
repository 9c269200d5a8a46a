"""API keys: per company (read or write) and admin keys, stored as hashes."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from inboxsync.db import apikeys as key_store
from inboxsync.db import companies as company_store
from inboxsync.errors import AuthError, UsageError
from inboxsync.operations._base import InboxBase

COMPANY_SCOPES = ("read", "write")
ADMIN_SCOPE = "admin"
KEY_PREFIX = "isk"
# isk_<12 hex digits: the public prefix>_<43 characters of token_urlsafe(32): the secret>
_KEY_SHAPE = re.compile(r"isk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})")
_MAX_NAME = 200


@dataclass(frozen=True, slots=True)
class CreatedApiKey:
    """A new API key. `key` is shown this once: only its hash is stored."""

    id: int
    key: str
    prefix: str
    company: str | None
    scope: str
    name: str


@dataclass(frozen=True, slots=True)
class ApiPrincipal:
    """Who a request's key speaks for: a company (None for an admin key), with its scope."""

    key_id: int
    company_id: int | None
    scope: str


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiKeyOperations(InboxBase):
    """API keys, and what the HTTP API lists beyond the other areas."""

    def create_api_key(
        self, company: str | int | None, *, scope: str = "read", name: str = ""
    ) -> CreatedApiKey:
        """A new key for the company (`scope` read or write), or an admin key without one."""
        if company is not None and scope not in COMPANY_SCOPES:
            raise UsageError(f"a company key's scope is read or write, not {scope!r}")
        name = name.strip()
        if len(name) > _MAX_NAME or not name.isprintable():
            raise UsageError(f"a key name is printable text of at most {_MAX_NAME} characters")
        scope = scope if company is not None else ADMIN_SCOPE
        prefix = secrets.token_hex(6)
        key = f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
        with self.sessions.begin() as session:
            company_id = self._company_or_all(session, company)
            key_id = key_store.add_key(
                session, company_id, name=name, prefix=prefix, key_hash=_hash(key), scope=scope
            )
            company_name = (
                None if company_id is None else company_store.load_company(session, company_id).name
            )
        return CreatedApiKey(key_id, key, prefix, company_name, scope, name)

    def api_keys(self, company: str | int | None = None) -> tuple[key_store.ApiKeyInfo, ...]:
        """The company's keys (else every key, admin keys included), revoked ones too."""
        with self.reader_sessions() as session:
            return tuple(key_store.list_keys(session, self._company_or_all(session, company)))

    def revoke_api_key(self, company: str | int | None, key_id: int) -> None:
        """Revoke one of the company's keys (of any company's, or an admin key, with None)."""
        with self.sessions.begin() as session:
            key_store.revoke_key(session, self._company_or_all(session, company), key_id)

    def authenticate(self, key: str) -> ApiPrincipal:
        """Who `key` speaks for; AuthError when it is not a live key (malformed, unknown or
        revoked, all told apart by nothing)."""
        shape = _KEY_SHAPE.fullmatch(key)
        with self.reader_sessions() as session:
            stored = key_store.find_key(session, shape.group(1)) if shape else None
        # The digest is compared even without a row, so timing tells nothing.
        expected = stored.key_hash if stored else _hash("")
        if not hmac.compare_digest(expected, _hash(key)) or stored is None or stored.revoked:
            raise AuthError("invalid API key")
        if key_store.needs_touch(stored):
            with self.sessions.begin() as session:
                key_store.touch_key(session, stored)
        return ApiPrincipal(stored.id, stored.company_id, stored.scope)
