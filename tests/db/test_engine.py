"""The engine never lets a statement's parameters (message bodies, addresses) into error text."""

from __future__ import annotations

import ctypes
import ctypes.util
import traceback
from pathlib import Path

import pytest
from sqlalchemy import Connection, insert, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from inboxsync.db.engine import make_engine
from inboxsync.db.models import Folder


def test_a_failing_statement_s_error_text_holds_no_parameter_values(
    sessions: sessionmaker[Session],
) -> None:
    """PostgreSQL refuses the NUL byte (the DataError of a real mailing-list import); SQLite
    stores NUL and refuses the unknown company instead. Either way the body stays out."""
    body = "Dear support, my card is 4111 1111 1111 1111\x00"
    with sessions() as session, pytest.raises(DBAPIError) as failure:
        session.execute(insert(Folder).values(company_id=999_999, name="x", ai_description=body))
    text = "".join(traceback.format_exception(failure.value))
    assert "4111" not in text
    assert "parameters hidden" in text


def test_sqlite_keeps_few_one_off_statements_prepared(tmp_path: Path) -> None:
    """A batch's multi-row statements differ in length from batch to batch: each connection's
    statement cache must not hold on to them (it grew SQLite's memory by ~50 MB per import)."""
    library = ctypes.CDLL(ctypes.util.find_library("sqlite3") or "libsqlite3.so.0")
    library.sqlite3_memory_used.restype = ctypes.c_int64
    engine = make_engine(f"sqlite:///{tmp_path / 'cache.db'}")

    def one_offs(connection: Connection, n: int, first: int) -> None:
        for k in range(first, first + n):
            values = ", ".join(f"(:p{i})" for i in range(300 + k))
            connection.execute(
                text(f"SELECT count(*) FROM (VALUES {values})"),
                {f"p{i}": i for i in range(300 + k)},
            )

    with engine.connect() as connection:
        one_offs(connection, 20, 0)
        before = library.sqlite3_memory_used()
        one_offs(connection, 200, 20)
        grown = library.sqlite3_memory_used() - before
    engine.dispose()
    assert grown < 2_000_000  # 128 cached statements: ~7 MB here
