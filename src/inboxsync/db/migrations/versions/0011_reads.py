"""reads: which conversations each user has read (the inbox's unread for me)

Revision ID: 0011
Revises: 0010
"""

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # reserved: the tables come with their feature


def downgrade() -> None:
    pass
