"""search: full-text index of messages (message_search), built for the messages stored already

Revision ID: 0008
Revises: 0007
"""

from alembic import op
from sqlalchemy.orm import Session

from inboxsync.db.search import rebuild_search_index

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        # An FTS5 table that stores its own copy of the indexed text: SQLite 3.40 has no
        # contentless_delete, and an external-content table must be handed back the exact
        # text it indexed to forget a row. Storing it lets a plain DELETE by rowid do, which the
        # trigger runs for every deleted message (cascades included), so a message id that
        # SQLite reuses after a delete never inherits the old message's words.
        op.execute(
            "CREATE VIRTUAL TABLE message_search USING fts5("
            "subject, sender, recipients, body, "
            "tokenize = 'porter unicode61 remove_diacritics 2')"
        )
        op.execute(
            "CREATE TRIGGER message_search_forget AFTER DELETE ON inbox_messages "
            "BEGIN DELETE FROM message_search WHERE rowid = old.id; END"
        )
    # On PostgreSQL the rebuild makes the table (message_id → inbox_messages ON DELETE
    # CASCADE, a TSVECTOR document, its GIN index) with the vectors of the mail stored so far.
    session = Session(bind=bind)
    rebuild_search_index(session)
    session.close()


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        op.execute("DROP TRIGGER message_search_forget")
    op.execute("DROP TABLE message_search")
