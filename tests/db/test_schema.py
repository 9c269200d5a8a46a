"""The migrations build exactly the schema the models declare, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine

import inboxsync.db.registry  # noqa: F401  (every table in Base.metadata)
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
