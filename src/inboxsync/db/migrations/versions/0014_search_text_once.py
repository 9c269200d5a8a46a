"""search text once: SQLite's full-text index reads its text from the messages (an external-content
FTS5 table over a view) instead of storing a copy, and triggers keep it

Revision ID: 0014
Revises: 0013
"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

TOKENIZE = "tokenize = 'porter unicode61 remove_diacritics 2'"
COLUMNS = "subject, sender, recipients, body"


def _fields(row: str) -> str:
    """The indexed text of a message row (`new`, `old` or the table itself), capped as 0008 did."""
    return (
        f"substr({row}.subject, 1, 2000), "
        f"substr({row}.from_name, 1, 2000) || ' ' || {row}.from_email, "
        f"substr({row}.to_emails || ' ' || {row}.cc_emails, 1, 10000), "
        f"substr({row}.body_text, 1, 50000)"
    )


def _forget(row: str) -> str:
    return (
        f"INSERT INTO message_search (message_search, rowid, {COLUMNS}) "
        f"VALUES ('delete', {row}.id, {_fields(row)});"
    )


def _add(row: str) -> str:
    return f"INSERT INTO message_search (rowid, {COLUMNS}) VALUES ({row}.id, {_fields(row)});"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        return  # a tsvector table: it never held a copy of the text
    # 0008 stored a copy of each message's text in the index (~40 % of a store's bytes). Here
    # the index reads the text through a view of the messages; the triggers hand FTS5 the exact
    # text it indexed when a row goes or changes, whichever writer stores or deletes messages.
    op.execute("DROP TRIGGER message_search_forget")
    op.execute("DROP TABLE message_search")
    op.execute(
        f"CREATE VIEW message_search_text (id, company_id, {COLUMNS}) AS SELECT "
        f"inbox_messages.id, company_id, {_fields('inbox_messages')} FROM inbox_messages"
    )
    op.execute(
        f"CREATE VIRTUAL TABLE message_search USING fts5({COLUMNS}, "
        f"content = 'message_search_text', content_rowid = 'id', {TOKENIZE})"
    )
    op.execute(
        f"CREATE TRIGGER message_search_add AFTER INSERT ON inbox_messages BEGIN {_add('new')} END"
    )
    op.execute(
        "CREATE TRIGGER message_search_forget AFTER DELETE ON inbox_messages "
        f"BEGIN {_forget('old')} END"
    )
    op.execute(
        "CREATE TRIGGER message_search_change AFTER UPDATE OF subject, from_name, from_email, "
        "to_emails, cc_emails, body_text ON inbox_messages "
        f"BEGIN {_forget('old')} {_add('new')} END"
    )
    op.execute("INSERT INTO message_search (message_search) VALUES ('rebuild')")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        return
    for trigger in ("message_search_add", "message_search_forget", "message_search_change"):
        op.execute(f"DROP TRIGGER {trigger}")
    op.execute("DROP TABLE message_search")
    op.execute("DROP VIEW message_search_text")
    op.execute(f"CREATE VIRTUAL TABLE message_search USING fts5({COLUMNS}, {TOKENIZE})")
    op.execute(
        "CREATE TRIGGER message_search_forget AFTER DELETE ON inbox_messages "
        "BEGIN DELETE FROM message_search WHERE rowid = old.id; END"
    )
    op.execute(
        f"INSERT INTO message_search (rowid, {COLUMNS}) "
        f"SELECT id, {_fields('inbox_messages')} FROM inbox_messages"
    )
