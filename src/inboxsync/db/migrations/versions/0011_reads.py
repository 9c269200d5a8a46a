"""reads: which conversations each user has read (the inbox's unread for me), and the indexes
of the inbox's folder counts and of a client's conversations by date (the conversation page)

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "conversation_reads",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("read_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "conversation_id"),
    )
    op.create_index("ix_conversation_reads_conversation", "conversation_reads", ["conversation_id"])
    op.create_index(
        "ix_conversations_folder_counts",
        "conversations",
        ["company_id", "is_notification", "folder_id"],
    )
    # Plain DDL, not a batch: on SQLite a batch would copy the whole table for an index.
    op.drop_index("ix_conversations_client_id", table_name="conversations")
    op.create_index("ix_conversations_client", "conversations", ["client_id", "last_message_at"])


def downgrade() -> None:
    op.drop_index("ix_conversations_client", table_name="conversations")
    op.create_index("ix_conversations_client_id", "conversations", ["client_id"])
    op.drop_index("ix_conversations_folder_counts", table_name="conversations")
    op.drop_index("ix_conversation_reads_conversation", table_name="conversation_reads")
    op.drop_table("conversation_reads")
