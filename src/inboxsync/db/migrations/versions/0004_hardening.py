"""hardening: quarantine keyed by what failed, arrival times, strict reply address, run owners

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# The unique (company_id, raw_sha256) of 0001 was unnamed: PostgreSQL named it, SQLite did not.
_PG_OLD_UNIQUE = "quarantine_company_id_raw_sha256_key"
_SQLITE_NAMES = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def _old_unique() -> str:
    return "uq_quarantine_company_id" if op.get_bind().dialect.name == "sqlite" else _PG_OLD_UNIQUE


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table(
        "quarantine", naming_convention=_SQLITE_NAMES if sqlite else None
    ) as batch:
        batch.add_column(sa.Column("dedupe_key", sa.String(length=64), nullable=True))
        batch.drop_constraint(_old_unique(), "unique")
    op.execute("UPDATE quarantine SET dedupe_key = raw_sha256")
    with op.batch_alter_table("quarantine") as batch:
        batch.alter_column("dedupe_key", existing_type=sa.String(length=64), nullable=False)
        batch.create_unique_constraint("uq_quarantine_dedupe", ["company_id", "dedupe_key"])
    with op.batch_alter_table("inbox_messages") as batch:
        batch.add_column(sa.Column("arrived_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("reply_address", sa.String(length=320), nullable=True))
    with op.batch_alter_table("sync_runs") as batch:
        batch.add_column(
            sa.Column("host", sa.String(length=255), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("pid", sa.Integer(), nullable=True))
    op.create_index("ix_sync_runs_status", "sync_runs", ["status"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_sync_runs_status", table_name="sync_runs")
    with op.batch_alter_table("sync_runs") as batch:
        batch.drop_column("pid")
        batch.drop_column("host")
    with op.batch_alter_table("inbox_messages") as batch:
        batch.drop_column("reply_address")
        batch.drop_column("arrived_at")
    with op.batch_alter_table("quarantine") as batch:
        batch.drop_constraint("uq_quarantine_dedupe", "unique")
        batch.drop_column("dedupe_key")
        batch.create_unique_constraint(_old_unique(), ["company_id", "raw_sha256"])
