"""The migrations build exactly the schema the models declare, on both databases."""

from __future__ import annotations

from collections.abc import Callable

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, text

import inboxsync.db.registry  # noqa: F401  (every table in Base.metadata)
from inboxsync.db.engine import make_engine
from inboxsync.db.models import Base
from inboxsync.db.search import SEARCH_TABLE


def _not_search(name: str | None, kind: str, _parent: object) -> bool:
    # The search index is raw SQL of db/search.py, no model: the FTS5 table and its shadow
    # tables on SQLite, a tsvector table and its GIN index on PostgreSQL.
    return not (kind in ("table", "index") and (name or "").startswith(SEARCH_TABLE))


def test_the_migrated_schema_equals_the_models(engine: Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_name": _not_search}
        )
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_postgresql_compresses_large_values_with_lz4(new_database: Callable[[str], str]) -> None:
    engine = make_engine(new_database("postgresql"))  # migrated to head
    with engine.connect() as conn:
        methods = dict(
            conn.execute(
                text(
                    "SELECT attrelid::regclass::text || '.' || attname, attcompression "
                    "FROM pg_attribute WHERE attcompression <> ''"
                )
            ).all()
        )
    engine.dispose()
    large = ["inbox_messages.body_text", "inbox_messages.body_html", "blobs.data", "quarantine.raw"]
    assert {column: methods.get(column) for column in large} == dict.fromkeys(large, "l")
