"""Shared fixtures: a fresh, migrated database per test on SQLite and on PostgreSQL, and the
test servers (Dovecot, SMTP, the fake OpenAI-compatible server), one of each per run."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from inboxsync.ai.resilience import reset_breakers
from inboxsync.db import make_engine, make_sessionmaker, migrate
from tests.support.databases import DB_KINDS, NewDatabase, copy_sqlite
from tests.support.dovecot import DOVECOT, DovecotServer
from tests.support.fake_openai import FakeOpenAI
from tests.support.postgres import TEST_SERVER, DatabasePool
from tests.support.smtp_server import SmtpServer

SHARED = Path(__file__).resolve().parents[2] / "shared"


def shared_path(name: str) -> Path:
    """A folder of ../shared, or skip the test with the reason when it is absent."""
    path = SHARED / name
    if not path.is_dir():
        pytest.skip(f"{path} is absent: the shared corpus is not laid out beside this checkout")
    return path


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A migrated PostgreSQL database that each test copies (CREATE DATABASE … TEMPLATE)."""
    name = TEST_SERVER.create("inboxsync_tpl")
    engine = make_engine(TEST_SERVER.url(name))
    migrate(engine)
    engine.dispose()
    yield name
    TEST_SERVER.drop(name)


@pytest.fixture(scope="session")
def pg_pool(pg_template: str) -> Iterator[DatabasePool]:
    """Copies of `pg_template` made ahead of the tests, and their databases dropped behind."""
    pool = DatabasePool(TEST_SERVER, pg_template, "inboxsync_t")
    yield pool
    pool.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file that each test copies."""
    path = tmp_path_factory.mktemp("tpl") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()
    return path


def make_database(
    request: pytest.FixtureRequest,
    kind: str,
    path: Path,
    made: list[tuple[DatabasePool, str]],
    template: str | None,
) -> str:
    """A database of `kind` (SQLite's at `path`): a copy of `template` (a URL), else of the
    migrated template; PostgreSQL's are added to `made` with the pool that drops them."""
    if kind == "sqlite":
        if template:
            copy_sqlite(template, path)
        else:
            shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    pool: DatabasePool = request.getfixturevalue("pg_pool")  # here, not at teardown
    copied = template.rsplit("/", 1)[1] if template else None
    name = TEST_SERVER.create("inboxsync_t", copied) if copied else pool.take()
    made.append((pool, name))
    return TEST_SERVER.url(name)


@pytest.fixture
def new_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[NewDatabase]:
    """A factory of fresh, migrated databases: `new_database("sqlite" | "postgresql")` returns
    a URL; `new_database(kind, template=url)` a copy of the database at `url` instead (one that
    nothing is connected to). Every database it made is dropped after the test."""
    made: list[tuple[DatabasePool, str]] = []

    def make(kind: str, template: str | None = None) -> str:
        path = tmp_path / f"test-{uuid.uuid4().hex[:8]}.db"
        return make_database(request, kind, path, made, template)

    yield make
    for pool, name in made:
        pool.drop(name)


@pytest.fixture(scope="module")
def module_database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[[str], str]]:
    """`new_database` for a module: fresh, migrated databases that live until the module's last
    test. A module builds its world into one once per kind, and each test copies it
    (`new_database(kind, template=url)`), so the world is built once, not once per test."""
    made: list[tuple[DatabasePool, str]] = []

    def make(kind: str) -> str:
        path = tmp_path_factory.mktemp("world") / "world.db"
        return make_database(request, kind, path, made, None)

    yield make
    for pool, name in made:
        pool.drop(name)


@pytest.fixture(params=DB_KINDS)
def db_url(request: pytest.FixtureRequest, new_database: NewDatabase) -> str:
    """The URL of a fresh, migrated database: once on SQLite, once on PostgreSQL."""
    return new_database(request.param)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on the fresh test database."""
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    """A session factory on the fresh test database."""
    return make_sessionmaker(engine)


@pytest.fixture(scope="session")
def dovecot() -> Iterator[DovecotServer]:
    """One Dovecot on a free loopback port for the whole test run, shared by every test that
    syncs IMAP (installed by `make services`)."""
    if not os.path.exists(DOVECOT) or shutil.which("openssl") is None:
        pytest.skip("dovecot/openssl not installed: run `make services`")
    server = DovecotServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def fake_openai_server() -> Iterator[FakeOpenAI]:
    """The OpenAI-compatible test server, one for the whole run."""
    server = FakeOpenAI().start()
    yield server
    server.stop()


@pytest.fixture
def fake_openai(fake_openai_server: FakeOpenAI) -> FakeOpenAI:
    """The server, with counters and faults reset, and the breakers of earlier tests gone."""
    fake_openai_server.reset()
    reset_breakers()
    return fake_openai_server


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[SmtpServer]:
    """The recording SMTP server (plain, no login), one for the whole run."""
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def smtp(smtp_server: SmtpServer) -> Iterator[SmtpServer]:
    """The recording SMTP server, emptied for each test."""
    smtp_server.reset()
    yield smtp_server
    smtp_server.reset()
