"""search documents: PostgreSQL's index rebuilt with the documents computed in Python
(db/search_text.py), which its queries now expect

Revision ID: 0013
Revises: 0012
"""

from alembic import op
from sqlalchemy.orm import Session

from inboxsync.db.search import rebuild_search_index

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return  # SQLite's FTS5 index is unchanged
    session = Session(bind=bind)
    rebuild_search_index(session)
    session.close()


def downgrade() -> None:
    # The documents stay valid tsvectors; the queries of 0012's code cut words differently
    # (a rebuild with that code brings them back in line).
    pass
