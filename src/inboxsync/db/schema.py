"""Applying and checking the Alembic migrations."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from inboxsync.errors import DatabaseError

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    """An Alembic config that runs our migrations on `engine`."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine) -> None:
    """Bring the database up to the newest schema (idempotent)."""
    try:
        command.upgrade(alembic_config(engine), "head")
    except OperationalError as exc:
        raise DatabaseError(f"cannot reach the database: {exc.orig}") from exc


def ensure_migrated(engine: Engine) -> None:
    """Raise DatabaseError with a hint unless the database is at the newest schema."""
    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    try:
        with engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
    except OperationalError as exc:
        raise DatabaseError(f"cannot reach the database: {exc.orig}") from exc
    if current != head:
        raise DatabaseError("the database is not initialised: run `inboxsync init` first")
