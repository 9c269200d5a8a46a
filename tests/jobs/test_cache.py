"""The Redis cache is a hint: stale, flushed, poisoned or unreachable, the database decides.

Uses the machine's Redis under this run's key prefix, and a private `redis-server` of its own
for the outage (stopped in the middle of an import).
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from inboxsync.cache import CachedLookups, NoCache, RedisCache, make_cache
from inboxsync.config import Settings
from inboxsync.db.companies import add_company
from inboxsync.db.models import Client, Conversation, InboxMessage
from inboxsync.pipeline import resolve
from inboxsync.pipeline.sync import ingest
from inboxsync.sources.local import open_source
from tests.factories import make_message, write_files
from tests.jobs.conftest import REDIS_URL
from tests.outbound.smtp_server import free_port


@pytest.fixture
def cache(redis_prefix: str) -> Iterator[RedisCache]:
    found = RedisCache(REDIS_URL, prefix=f"{redis_prefix}-c", ttl_seconds=120)
    yield found
    for key in found.client.scan_iter(f"{redis_prefix}-c:*"):
        found.client.delete(key)


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A redis-server of this test only, so that stopping it disturbs nobody."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            redis.Redis.from_url(url).ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    yield url, process
    process.kill()
    process.wait()


def companies(sessions: sessionmaker[Session], *names: str) -> list[int]:
    with sessions.begin() as session:
        return [add_company(session, n, [f"support@{n.lower()}.example"]) for n in names]


def mail(n: int, tag: str = "m") -> dict[str, bytes]:
    return {
        f"{tag}{i}.eml": make_message(
            msgid=f"<{tag}{i}@client.example>",
            sender=f"Person {i % 7} <p{i % 7}@client.example>",
            subject=f"Question {tag}{i}",
            minutes=i,
        )
        for i in range(n)
    }


def counts(sessions: sessionmaker[Session], company_id: int) -> tuple[int, int, int]:
    with sessions() as session:

        def n(model: type) -> int:
            query = select(func.count()).select_from(model).where(model.company_id == company_id)  # type: ignore[attr-defined]
            return int(session.scalar(query) or 0)

        return n(InboxMessage), n(Conversation), n(Client)


def run_import(
    sessions: sessionmaker[Session],
    settings: Settings,
    company_id: int,
    folder: Path,
    after_batch: object = None,
) -> int:
    report = ingest(
        sessions,
        company_id,
        open_source(folder),
        settings=settings,
        progress=after_batch,  # type: ignore[arg-type]
    )
    return report.new_messages


def test_keys_are_per_company_and_expire(cache: RedisCache) -> None:
    cache.remember_keys(1, ["a@x", "b@x"])
    cache.remember_clients(1, {"alice@client.example": 7})
    assert cache.known_keys(1, ["a@x", "b@x", "c@x"]) == {"a@x", "b@x"}
    assert cache.known_keys(2, ["a@x"]) == set()
    assert cache.client_ids(1, ["alice@client.example"]) == {"alice@client.example": 7}
    assert cache.client_ids(2, ["alice@client.example"]) == {}
    key = cache._key(1, "msg", "a@x")
    assert ":1:" in key and 0 < cache.client.ttl(key) <= 120


def test_without_redis_url_there_is_no_cache(db_url: str) -> None:
    assert isinstance(make_cache(Settings(db=db_url)), NoCache)
    assert isinstance(make_cache(Settings(db=db_url, redis_url=REDIS_URL)), RedisCache)


def test_a_poisoned_entry_cannot_drop_a_message_or_cross_companies(
    sessions: sessionmaker[Session], cache: RedisCache
) -> None:
    acme, globex = companies(sessions, "Acme", "Globex")
    with sessions.begin() as session:
        session.add_all(
            [
                Client(company_id=acme, email="alice@client.example"),
                Client(company_id=globex, email="alice@client.example"),
            ]
        )
    with sessions() as session:
        ids = dict(session.execute(select(Client.company_id, Client.id)).all())
    lookups = CachedLookups(cache)
    cache.remember_keys(acme, ["never-stored@x"])  # poison: "known" but not in the database
    cache.remember_clients(acme, {"alice@client.example": ids[globex]})  # another company's id
    with sessions() as session:
        assert lookups.existing_keys(session, acme, ["never-stored@x"]) == set()
        found = lookups.clients_by_email(session, acme, ["alice@client.example"])
    assert found == {"alice@client.example": ids[acme]}
    # The wrong entry was corrected on the way.
    assert cache.client_ids(acme, ["alice@client.example"]) == found


def test_unreachable_redis_answers_nothing_and_backs_off(sessions: sessionmaker[Session]) -> None:
    dead = RedisCache(f"redis://127.0.0.1:{free_port()}/0", cooldown=60)
    (acme,) = companies(sessions, "Acme")
    lookups = CachedLookups(dead)
    with sessions() as session:
        assert lookups.existing_keys(session, acme, ["a@x"]) == set()
        assert lookups.clients_by_email(session, acme, ["a@x"]) == {}
    dead.remember_keys(acme, ["a@x"])
    assert dead.errors == 1  # one failure opened the breaker: no further attempts


@pytest.fixture
def cached_pipeline(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[CachedLookups]]:
    """Runs the real pipeline with the cached lookups in place of the plain ones."""
    holder: list[CachedLookups] = []

    def existing(session: Session, company_id: int, keys: object) -> set[str]:
        return holder[0].existing_keys(session, company_id, keys)  # type: ignore[arg-type]

    def clients(session: Session, company_id: int, emails: object) -> dict[str, int]:
        return holder[0].clients_by_email(session, company_id, emails)  # type: ignore[arg-type]

    monkeypatch.setattr(resolve, "existing_keys", existing)
    monkeypatch.setattr(resolve, "clients_by_email", clients)
    yield holder


def test_flushed_poisoned_or_stopped_cache_neither_duplicates_nor_loses(
    sessions: sessionmaker[Session],
    db_url: str,
    tmp_path: Path,
    private_redis: tuple[str, subprocess.Popen[bytes]],
    cached_pipeline: list[CachedLookups],
) -> None:
    url, server = private_redis
    settings = Settings(db=db_url, batch_size=20)
    cache = RedisCache(url, prefix="t", cooldown=60)
    cached_pipeline.append(CachedLookups(cache))
    (acme,) = companies(sessions, "Acme")
    first = write_files(tmp_path / "first", mail(60))
    assert run_import(sessions, settings, acme, first) == 60
    baseline = counts(sessions, acme)
    with sessions() as session:
        keys = list(session.scalars(select(InboxMessage.message_key)))
    cache.remember_keys(acme, keys)  # what write-through would hold

    # Flushed: the cache forgot everything; a re-import must still add nothing.
    cache.client.flushdb()
    assert run_import(sessions, settings, acme, first) == 0
    assert counts(sessions, acme) == baseline

    # Poisoned: the new messages are "known" to the cache, yet none of them is lost.
    second = write_files(tmp_path / "second", mail(40, tag="n"))
    cache.remember_keys(acme, [f"n{i}@client.example" for i in range(40)])
    assert run_import(sessions, settings, acme, second) == 40

    # Stopped in the middle of an import: the import finishes, each message once.
    third = write_files(tmp_path / "third", mail(60, tag="s"))
    batches: list[int] = []

    def stop_redis_after_first_batch(n: int) -> None:
        batches.append(n)
        if len(batches) == 1:
            server.kill()
            server.wait()

    assert run_import(sessions, settings, acme, third, stop_redis_after_first_batch) == 60
    assert len(batches) == 3 and cache.errors >= 1
    assert run_import(sessions, settings, acme, third) == 0
    with sessions() as session:
        stored = session.scalar(
            select(func.count(func.distinct(InboxMessage.message_key))).where(
                InboxMessage.company_id == acme
            )
        )
    assert counts(sessions, acme)[0] == stored == 160
