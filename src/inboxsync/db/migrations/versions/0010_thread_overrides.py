"""thread overrides: merges and splits made by people, obeyed by later replies

Revision ID: 0010
Revises: 0009
"""

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # reserved: the tables come with their feature


def downgrade() -> None:
    pass
