"""conversation cost: what the paid AI calls of a conversation's latest filing cost, its
share of each

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # ALTER TABLE … ADD COLUMN on both databases: a batch would copy the table on SQLite.
    op.add_column("conversations", sa.Column("ai_cost_usd", sa.Float(), nullable=True))


def downgrade() -> None:
    # ALTER TABLE … DROP COLUMN (SQLite 3.35+): a batch would copy the whole table, and on a
    # migrated store SQLite refused its DROP TABLE ("database table is locked").
    op.drop_column("conversations", "ai_cost_usd")
