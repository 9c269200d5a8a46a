"""replies: agents' replies through the outbox (several rows per conversation, each unique by
its company's dedup key), their HTML, attachments and thread; the Sent folder copy's mailbox

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# The unique conversation_id of 0003 was unnamed: PostgreSQL named it, SQLite did not.
_PG_OLD_UNIQUE = "outbox_conversation_id_key"
_SQLITE_NAMES = {"uq": "uq_%(table_name)s_%(column_0_name)s"}
_SENT_MAILBOX_FK = "fk_company_smtp_sent_mailbox_id"


def _old_unique() -> str:
    return "uq_outbox_conversation_id" if op.get_bind().dialect.name == "sqlite" else _PG_OLD_UNIQUE


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table(
        "outbox", naming_convention=_SQLITE_NAMES if sqlite else None
    ) as batch:
        batch.add_column(sa.Column("dedup_key", sa.String(length=250), nullable=True))
        for name in ("request_hash", "thread_references", "sent_copy"):
            kind = sa.String(length=64) if name == "request_hash" else sa.Text()
            batch.add_column(sa.Column(name, kind, nullable=False, server_default=""))
        batch.add_column(sa.Column("body_html", sa.Text(), nullable=True))
        batch.add_column(sa.Column("attachments", sa.Text(), nullable=False, server_default="[]"))
        batch.drop_constraint(_old_unique(), "unique")
    # Every existing row is an auto-reply: its key keeps it the conversation's only one.
    op.execute(
        "UPDATE outbox SET dedup_key = 'auto_reply:' || CAST(conversation_id AS VARCHAR(20))"
    )
    with op.batch_alter_table("outbox") as batch:
        batch.alter_column("dedup_key", existing_type=sa.String(length=250), nullable=False)
        batch.create_unique_constraint("uq_outbox_dedup", ["company_id", "dedup_key"])
        batch.create_index("ix_outbox_conversation", ["conversation_id", "kind"])
    with op.batch_alter_table("company_smtp") as batch:
        batch.add_column(sa.Column("sent_mailbox_id", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("sent_folder", sa.String(length=200), nullable=False, server_default="")
        )
        batch.create_foreign_key(
            _SENT_MAILBOX_FK, "mailboxes", ["sent_mailbox_id"], ["id"], ondelete="SET NULL"
        )


def downgrade() -> None:
    with op.batch_alter_table("company_smtp") as batch:
        batch.drop_constraint(_SENT_MAILBOX_FK, "foreignkey")
        batch.drop_column("sent_folder")
        batch.drop_column("sent_mailbox_id")
    # Only one row per conversation fits the old schema: the agents' replies go.
    op.execute("DELETE FROM outbox WHERE kind <> 'auto_reply'")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index("ix_outbox_conversation")
        batch.drop_constraint("uq_outbox_dedup", "unique")
        for name in ("attachments", "body_html", "sent_copy", "thread_references"):
            batch.drop_column(name)
        batch.drop_column("request_hash")
        batch.drop_column("dedup_key")
        batch.create_unique_constraint(_old_unique(), ["conversation_id"])
