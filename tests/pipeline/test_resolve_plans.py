"""The threading lookups go through the index made for them, whatever else is indexed: SQLite
has no statistics to choose by (the application never runs ANALYZE)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import event

from inboxsync.db.engine import make_engine, make_sessionmaker
from inboxsync.pipeline import resolve


def test_the_subject_lookup_uses_the_subject_index_on_sqlite(
    new_database: Callable[[str], str],
) -> None:
    engine = make_engine(new_database("sqlite"))
    statements: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.startswith("SELECT"):
            statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    with make_sessionmaker(engine)() as session:
        # A batch's subjects: SQLite weighs each value of the IN list as one lookup.
        subjects = {f"subject {n}" for n in range(100)}
        resolve.conversations_by_subject(
            session, 1, subjects, datetime(2026, 1, 1), datetime(2026, 2, 1)
        )
        event.remove(engine, "before_cursor_execute", record)
        [(statement, parameters)] = statements
        plan = session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
        details = " ".join(row[3] for row in plan)
    engine.dispose()
    assert "USING INDEX ix_conversations_subject" in details, details
