"""Join requests carry the requester's name (R-INV-3): the administrator sees who asks.

Revision ID: 0003
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE join_requests ADD COLUMN requester_name TEXT NOT NULL DEFAULT ''")


def downgrade() -> None:
    op.execute("ALTER TABLE join_requests DROP COLUMN requester_name")
