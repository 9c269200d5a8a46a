"""Empty databases (no schema) on SQLite and PostgreSQL, for tests that run `init` themselves
or keep one database for a whole module."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import _pg_admin, _pg_url

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
    name = f"inboxsync_h_{uuid.uuid4().hex[:12]}"
    with _pg_admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _pg_url(name)
    finally:
        with _pg_admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
