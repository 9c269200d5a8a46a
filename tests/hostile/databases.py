"""Empty databases (no schema) on SQLite and PostgreSQL, for tests that run `init` themselves
or keep one database for a whole module."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.postgres import TEST_SERVER

DATABASES = ("sqlite", "postgresql")


@contextmanager
def empty_database(kind: str, directory: Path) -> Iterator[str]:
    """The URL of a new database without any table: a file in `directory` for SQLite, a
    database of the test server for PostgreSQL (dropped on exit)."""
    if kind == "sqlite":
        yield f"sqlite:///{directory / f'inboxsync-{uuid.uuid4().hex[:8]}.db'}"
        return
    if kind != "postgresql":
        raise ValueError(f"unknown database kind {kind!r}")
    with TEST_SERVER.database("inboxsync_h") as url:
        yield url
