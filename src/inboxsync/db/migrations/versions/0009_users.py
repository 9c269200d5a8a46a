"""users: web accounts (users) and sign-in throttling

Revision ID: 0009
Revises: 0008
"""

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # reserved: the tables come with their feature


def downgrade() -> None:
    pass
