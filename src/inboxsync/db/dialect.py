"""The few statements whose SQL differs between SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Session

# The first key of the two-key advisory locks that serialize one company's ingest writes.
INGEST_LOCK_SPACE = 7301


def insert_ignore(session: Session, table: Table | Any) -> Any:
    """`INSERT … ON CONFLICT DO NOTHING` for the session's database."""
    name = session.get_bind().dialect.name
    module = postgresql if name == "postgresql" else sqlite
    return module.insert(table).on_conflict_do_nothing()


def lock_company_writes(session: Session, company_id: int) -> None:
    """Hold the company's ingest lock until the transaction ends (PostgreSQL). SQLite needs
    none: BEGIN IMMEDIATE lets one writer at a time in."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(:space, :company)"),
            {"space": INGEST_LOCK_SPACE, "company": company_id},
        )


def table_of(model: type[DeclarativeBase]) -> Table:
    """The Core table of a model, for bulk statements that bypass the ORM."""
    return cast(Table, model.__table__)
