"""The few statements whose SQL differs between SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Session


def insert_ignore(session: Session, table: Table | Any) -> Any:
    """`INSERT … ON CONFLICT DO NOTHING` for the session's database."""
    name = session.get_bind().dialect.name
    module = postgresql if name == "postgresql" else sqlite
    return module.insert(table).on_conflict_do_nothing()


def table_of(model: type[DeclarativeBase]) -> Table:
    """The Core table of a model, for bulk statements that bypass the ORM."""
    return cast(Table, model.__table__)
