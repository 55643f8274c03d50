"""Failed chat-link look-ups are counted per client address AND token prefix (R-CHAT-6), so one
client's wrong guesses do not lock out the others behind the same address.

Revision ID: 0008
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE chat_link_failures ADD COLUMN token_prefix TEXT NOT NULL DEFAULT ''")


def downgrade() -> None:
    op.execute("ALTER TABLE chat_link_failures DROP COLUMN token_prefix")
