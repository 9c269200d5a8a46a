"""Database layer: models, engine, migrations, counters. Knows nothing of IMAP or MIME."""

from inboxsync.db.counters import DbCounter, counting
from inboxsync.db.engine import make_engine, make_sessionmaker
from inboxsync.db.schema import ensure_migrated, migrate

__all__ = [
    "DbCounter",
    "counting",
    "ensure_migrated",
    "make_engine",
    "make_sessionmaker",
    "migrate",
]
