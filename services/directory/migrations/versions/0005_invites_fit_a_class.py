"""Invites that fit a class (R-INV-2): a link made one at a time keeps its token so that those who
may make it can show it and its QR code again (cleared on revocation; look-ups still go by hash),
and failed look-ups are counted per client address AND token prefix.

Revision ID: 0005
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE invites ADD COLUMN token TEXT")
    op.execute("ALTER TABLE invite_failures ADD COLUMN token_prefix TEXT NOT NULL DEFAULT ''")


def downgrade() -> None:
    op.execute("ALTER TABLE invite_failures DROP COLUMN token_prefix")
    op.execute("ALTER TABLE invites DROP COLUMN token")
