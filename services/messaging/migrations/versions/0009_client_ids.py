"""A message may carry the id its sender's client gave it, unique per chat and author, so that a
send retried after a lost answer stores the message once (the web client's outbox retries).

Revision ID: 0009
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE messages ADD COLUMN client_id UUID")
    op.execute(
        "CREATE UNIQUE INDEX messages_client_id ON messages (chat_id, author_id, client_id)"
        " WHERE client_id IS NOT NULL"
    )


def downgrade() -> None:
    op.execute("DROP INDEX messages_client_id")
    op.execute("ALTER TABLE messages DROP COLUMN client_id")
