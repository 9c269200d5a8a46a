"""thread overrides: merges and splits made by people, obeyed by later replies; people's
notification marks

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "thread_overrides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("message_ids", sa.Text(), nullable=False),
        sa.Column("snapshot", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("undone_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_thread_overrides_conversation", "thread_overrides", ["company_id", "conversation_id"]
    )
    op.create_index("ix_thread_overrides_source", "thread_overrides", ["company_id", "source_id"])
    op.create_table(
        "notification_marks",
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("is_notification", sa.Boolean(), nullable=False),
        sa.Column("set_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("conversation_id"),
    )
    op.create_index("ix_notification_marks_company_id", "notification_marks", ["company_id"])


def downgrade() -> None:
    op.drop_index("ix_notification_marks_company_id", "notification_marks")
    op.drop_table("notification_marks")
    op.drop_index("ix_thread_overrides_source", "thread_overrides")
    op.drop_index("ix_thread_overrides_conversation", "thread_overrides")
    op.drop_table("thread_overrides")
