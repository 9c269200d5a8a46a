"""API keys as stored: rows with the key's public prefix and the SHA-256 of the whole key,
never the key itself."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from inboxsync.db.api_models import ApiKey
from inboxsync.db.models import Company, utcnow
from inboxsync.errors import NotFound

# `last_used_at` is written at most this often per key: a busy client costs no write per request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class ApiKeyInfo:
    """An API key as lists show it: its public prefix, never its secret or hash."""

    id: int
    company: str | None
    name: str
    prefix: str
    scope: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class StoredKey:
    """What authenticating a key needs of its row."""

    id: int
    company_id: int | None
    key_hash: str
    scope: str
    revoked: bool
    last_used_at: datetime | None


def add_key(
    session: Session, company_id: int | None, *, name: str, prefix: str, key_hash: str, scope: str
) -> int:
    """Store a key's prefix and hash; returns its id."""
    row = ApiKey(company_id=company_id, name=name, prefix=prefix, key_hash=key_hash, scope=scope)
    session.add(row)
    session.flush()
    return row.id


def list_keys(session: Session, company_id: int | None) -> list[ApiKeyInfo]:
    """The company's keys (None: every key, admin keys included), oldest first."""
    query = (
        select(
            ApiKey.id,
            Company.name,
            ApiKey.name,
            ApiKey.prefix,
            ApiKey.scope,
            ApiKey.created_at,
            ApiKey.last_used_at,
            ApiKey.revoked_at,
        )
        .outerjoin(Company, Company.id == ApiKey.company_id)
        .order_by(ApiKey.id)
    )
    if company_id is not None:
        query = query.where(ApiKey.company_id == company_id)
    return [ApiKeyInfo(*row) for row in session.execute(query)]


def revoke_key(session: Session, company_id: int | None, key_id: int) -> None:
    """Revoke the company's key `key_id` (None: any key); revoking twice keeps the first date.
    NotFound when the company has no such key (another company's included)."""
    query = select(ApiKey.id).where(ApiKey.id == key_id)
    if company_id is not None:
        query = query.where(ApiKey.company_id == company_id)
    if session.scalar(query) is None:
        raise NotFound(f"no API key {key_id} in this company")
    session.execute(
        update(ApiKey)
        .where(ApiKey.id == key_id, ApiKey.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def find_key(session: Session, prefix: str) -> StoredKey | None:
    """The key whose public prefix is `prefix`, or None."""
    row = session.execute(
        select(
            ApiKey.id,
            ApiKey.company_id,
            ApiKey.key_hash,
            ApiKey.scope,
            ApiKey.revoked_at.is_not(None),
            ApiKey.last_used_at,
        ).where(ApiKey.prefix == prefix)
    ).first()
    return None if row is None else StoredKey(*row)


def needs_touch(key: StoredKey) -> bool:
    """Whether the key's use was last noted a minute ago or more (or never)."""
    return key.last_used_at is None or utcnow() - key.last_used_at >= LAST_USED_RESOLUTION


def touch_key(session: Session, key: StoredKey) -> None:
    """Note that the key was used now, unless that was noted less than a minute ago."""
    now = utcnow()
    if not needs_touch(key):
        return
    session.execute(
        update(ApiKey)
        .where(
            ApiKey.id == key.id,
            or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at < now - LAST_USED_RESOLUTION),
        )
        .values(last_used_at=now)
    )
