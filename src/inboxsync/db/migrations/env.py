"""Alembic environment: runs on the engine handed over in `config.attributes`."""

from alembic import context

import inboxsync.db.registry  # noqa: F401
from inboxsync.db.models import Base

engine = context.config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=engine.dialect.name == "sqlite",
        compare_type=True,
    )
    context.run_migrations()
