"""mailbox state: paused, last good sync, last error, the UIDNEXT each folder last showed

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("mailboxes") as batch:
        batch.add_column(
            sa.Column("paused", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("last_sync_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("last_error", sa.Text(), nullable=True))
        batch.add_column(sa.Column("last_error_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("mailbox_folders") as batch:
        batch.add_column(sa.Column("uidnext", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("mailbox_folders") as batch:
        batch.drop_column("uidnext")
    with op.batch_alter_table("mailboxes") as batch:
        batch.drop_column("last_error_at")
        batch.drop_column("last_error")
        batch.drop_column("last_sync_at")
        batch.drop_column("paused")
