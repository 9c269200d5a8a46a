"""A Redis cache of client ids by (company, address) and of recent message keys: a hint only.

Every key carries the company id, values expire after `cache_ttl_seconds`, and writes go
through (`remember_*` after the database commit). The database decides:

- a key the cache calls *known* is confirmed by the database before a message is dropped for
  it, so a stale or poisoned entry never loses a message;
- a key the cache does not know goes on to the write, whose `ON CONFLICT DO NOTHING` on
  (company, message key) drops a duplicate, so a flushed or stale cache never stores one twice;
- a client id from the cache is confirmed by the database (same company, same address);
- any Redis error opens a breaker for `cooldown` seconds: the lookups go to the database alone.

`CachedLookups` has the signatures of `pipeline.resolve.existing_keys` / `clients_by_email`.
Measured in bench/jobs.py: see docs/jobs.md for whether it pays (it does not, so the pipeline
does not use it).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Collection, Mapping
from typing import Protocol

import redis
from sqlalchemy import select
from sqlalchemy.orm import Session

from inboxsync.config import Settings
from inboxsync.db.models import Client, InboxMessage

log = logging.getLogger(__name__)


class Cache(Protocol):
    """What the pipeline may ask a cache; every answer is a hint."""

    def client_ids(self, company_id: int, emails: Collection[str]) -> dict[str, int]: ...

    def remember_clients(self, company_id: int, ids: Mapping[str, int]) -> None: ...

    def known_keys(self, company_id: int, keys: Collection[str]) -> set[str]: ...

    def remember_keys(self, company_id: int, keys: Collection[str]) -> None: ...


class NoCache:
    """No cache: knows nothing, remembers nothing."""

    def client_ids(self, company_id: int, emails: Collection[str]) -> dict[str, int]:
        return {}

    def remember_clients(self, company_id: int, ids: Mapping[str, int]) -> None:
        return None

    def known_keys(self, company_id: int, keys: Collection[str]) -> set[str]:
        return set()

    def remember_keys(self, company_id: int, keys: Collection[str]) -> None:
        return None


class RedisCache:
    """The cache on Redis, with a breaker: an outage makes it answer nothing for a while."""

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "inboxsync",
        ttl_seconds: int = 300,
        timeout: float = 0.25,
        cooldown: float = 30.0,
    ) -> None:
        self.client = redis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout
        )
        self.prefix = prefix
        self.ttl = ttl_seconds
        self.cooldown = cooldown
        self._open_until = 0.0
        self._lock = threading.Lock()
        self.errors = 0

    def _key(self, company_id: int, kind: str, value: str) -> str:
        return f"{self.prefix}:cache:{company_id}:{kind}:{value}"

    def _available(self) -> bool:
        return time.monotonic() >= self._open_until

    def _failed(self, exc: Exception) -> None:
        with self._lock:
            self.errors += 1
            self._open_until = time.monotonic() + self.cooldown
        log.warning("Redis cache unavailable for %.0fs: %s", self.cooldown, type(exc).__name__)

    def _mget(self, keys: list[str]) -> list[bytes | None]:
        if not keys or not self._available():
            return [None] * len(keys)
        try:
            values = self.client.mget(keys)
        except redis.RedisError as exc:
            self._failed(exc)
            return [None] * len(keys)
        return list(values)  # type: ignore[arg-type]

    def _set_many(self, items: Mapping[str, str]) -> None:
        if not items or not self._available():
            return
        try:
            pipe = self.client.pipeline(transaction=False)
            for key, value in items.items():
                pipe.set(key, value, ex=self.ttl)
            pipe.execute()
        except redis.RedisError as exc:
            self._failed(exc)

    def client_ids(self, company_id: int, emails: Collection[str]) -> dict[str, int]:
        """Client ids the cache holds for these addresses (unchecked: confirm before use)."""
        ordered = list(emails)
        values = self._mget([self._key(company_id, "client", e) for e in ordered])
        found: dict[str, int] = {}
        for email, value in zip(ordered, values, strict=True):
            if value is not None and value.isdigit():
                found[email] = int(value)
        return found

    def remember_clients(self, company_id: int, ids: Mapping[str, int]) -> None:
        self._set_many({self._key(company_id, "client", e): str(i) for e, i in ids.items()})

    def known_keys(self, company_id: int, keys: Collection[str]) -> set[str]:
        """Message keys the cache has seen stored (unchecked: confirm before dropping)."""
        ordered = list(keys)
        values = self._mget([self._key(company_id, "msg", k) for k in ordered])
        return {k for k, v in zip(ordered, values, strict=True) if v is not None}

    def remember_keys(self, company_id: int, keys: Collection[str]) -> None:
        self._set_many({self._key(company_id, "msg", k): "1" for k in keys})


def make_cache(settings: Settings) -> Cache:
    """A RedisCache when INBOXSYNC_REDIS_URL is set, else NoCache."""
    if not settings.redis_url:
        return NoCache()
    return RedisCache(
        settings.redis_url, prefix=settings.cache_prefix, ttl_seconds=settings.cache_ttl_seconds
    )


class CachedLookups:
    """The pipeline's two lookups with the cache in front, the database deciding."""

    def __init__(self, cache: Cache) -> None:
        self.cache = cache

    def existing_keys(self, session: Session, company_id: int, keys: Collection[str]) -> set[str]:
        """Stored keys among `keys`. Only the keys the cache calls known are looked up (and so
        confirmed); the others are left to the write's ON CONFLICT to decide."""
        hinted = self.cache.known_keys(company_id, keys)
        if not hinted:
            return set()
        return set(
            session.scalars(
                select(InboxMessage.message_key).where(
                    InboxMessage.company_id == company_id, InboxMessage.message_key.in_(hinted)
                )
            )
        )

    def clients_by_email(
        self, session: Session, company_id: int, emails: Collection[str]
    ) -> dict[str, int]:
        """Client ids by address, read from the database (one query); cache hits are only
        accepted where the database agrees, so a poisoned entry cannot cross companies."""
        hinted = self.cache.client_ids(company_id, emails)
        rows = session.execute(
            select(Client.email, Client.id).where(
                Client.company_id == company_id, Client.email.in_(emails)
            )
        )
        found = {row.email: row.id for row in rows}
        stale = {e: i for e, i in hinted.items() if found.get(e) != i}
        fresh = {e: i for e, i in found.items() if hinted.get(e) != i}
        if stale or fresh:
            self.cache.remember_clients(company_id, found)
        return found

    def stored(self, company_id: int, keys: Collection[str], clients: Mapping[str, int]) -> None:
        """Write-through, after the batch is committed."""
        self.cache.remember_keys(company_id, keys)
        self.cache.remember_clients(company_id, clients)
