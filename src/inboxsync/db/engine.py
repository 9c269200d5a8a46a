"""Engine creation: URL normalisation, SQLite pragmas, the round-trip and commit counter."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker

from inboxsync.db.counters import count_commit, count_round_trip
from inboxsync.errors import ConfigError

# Bulk inserts go out in pages of this many rows: one round trip for a whole batch.
INSERT_PAGE_SIZE = 5000
SUPPORTED_BACKENDS = ("sqlite", "postgresql")

_readers: dict[str, sessionmaker[Session]] = {}
_readers_lock = threading.Lock()


def normalize_url(url: str) -> str:
    """Point plain `postgresql://` URLs at psycopg 3; ConfigError naming what is wrong with
    a URL that inboxsync cannot use (never its password)."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigError(
            "the database URL cannot be parsed "
            "(expected e.g. sqlite:///inboxsync.db or postgresql://user@host/dbname)"
        ) from exc
    except ValueError as exc:  # the only value make_url converts is the port
        raise ConfigError("the database URL's port is not a number") from exc
    if parsed.port is not None and not 0 < parsed.port < 65536:
        raise ConfigError(f"the database URL's port {parsed.port} is not between 1 and 65535")
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in SUPPORTED_BACKENDS:
        raise ConfigError(
            f"unsupported database {parsed.drivername!r}: "
            f"inboxsync runs on {' and '.join(SUPPORTED_BACKENDS)}"
        )
    return parsed.render_as_string(hide_password=False)


# pysqlite keeps each connection's last 128 prepared statements by default. A batch's multi-row
# INSERTs and IN (…) lists differ in length almost every batch, so the cache filled with one-off
# statements of ~0.4 MB each: SQLite's own memory grew by ~50 MB over a 100,000-message import.
# Sixteen keep the few statements every batch repeats.
SQLITE_CONNECT_ARGS: dict[str, Any] = {"timeout": 30, "cached_statements": 16}


def make_engine(url: str) -> Engine:
    """An engine for `url` with our pragmas and query counters installed.

    Statement errors never carry their parameters (message bodies, addresses) in their text.
    """
    url = normalize_url(url)
    is_sqlite = url.startswith("sqlite")
    kwargs: dict[str, Any] = {
        "insertmanyvalues_page_size": INSERT_PAGE_SIZE,
        "hide_parameters": True,
    }
    if is_sqlite:
        kwargs["connect_args"] = SQLITE_CONNECT_ARGS
    else:
        kwargs["pool_pre_ping"] = True
    try:
        if make_url(url).get_backend_name() == "postgresql":
            # Before the engine: SQLAlchemy's dialect copies psycopg's global adapters as
            # it is made, and would not see a dumper registered after.
            from inboxsync.db.pg_documents import register_document_dumper

            register_document_dumper()
        engine = create_engine(url, **kwargs)
    except (NoSuchModuleError, ImportError) as exc:
        driver = make_url(url).drivername
        raise ConfigError(f"the database driver for {driver!r} is not installed ({exc})") from exc
    if is_sqlite:
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling defers BEGIN; take it over so that
        # a write transaction starts with BEGIN IMMEDIATE and never deadlocks on upgrade.
        event.listen(engine, "begin", _sqlite_begin)
    _install_counters(engine)
    return engine


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded values after commit (we pass plain data around)."""
    return sessionmaker(engine, expire_on_commit=False)


def sqlite_reader_sessions(engine: Engine) -> sessionmaker[Session]:
    """Read-only sessions on the SQLite file of `engine` that never wait for its write lock:
    pysqlite's own transaction handling sends no BEGIN before a SELECT, and WAL readers never
    wait for a writer. Counted as `make_engine`'s statements are; one engine per database for
    the whole process."""
    url = engine.url.render_as_string(hide_password=False)
    with _readers_lock:
        if url not in _readers:
            reader = create_engine(url, connect_args=SQLITE_CONNECT_ARGS, hide_parameters=True)
            _install_counters(reader)
            _readers[url] = make_sessionmaker(reader)
        return _readers[url]


def _install_counters(engine: Engine) -> None:
    event.listen(engine, "before_cursor_execute", _on_execute)
    event.listen(engine, "commit", _on_commit)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def _on_execute(*_args: Any) -> None:
    count_round_trip()


def _on_commit(_conn: Any) -> None:
    count_commit()
