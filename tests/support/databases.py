"""What the database fixtures share with the test modules: the kinds every test runs on, the
`new_database` factory's type, and the copy of a SQLite database."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Protocol

DB_KINDS = ("sqlite", "postgresql")


class NewDatabase(Protocol):
    """The `new_database` fixture: a fresh database of `kind`, or a copy of `template`."""

    def __call__(self, kind: str, template: str | None = None) -> str: ...


def copy_sqlite(url: str, path: Path) -> None:
    """Copy the SQLite database at `url` to `path` (its write-ahead log included)."""
    source = sqlite3.connect(url.removeprefix("sqlite:///"))
    target = sqlite3.connect(path)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()
