"""Calls in chats (R-MEDIA-1): messaging's read model of media's call events, so a chat shows its
call in progress (calls/).

Revision ID: 0010
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """CREATE TABLE chat_calls (
            call_id UUID PRIMARY KEY,
            chat_id UUID NOT NULL,
            organisation_id UUID NOT NULL,
            started_by UUID,
            started_at TIMESTAMPTZ NOT NULL,
            participant_count INTEGER NOT NULL,
            counted_at TIMESTAMPTZ,
            ended_at TIMESTAMPTZ
        )"""
    )
    op.execute("CREATE INDEX chat_calls_in_progress ON chat_calls (chat_id) WHERE ended_at IS NULL")


def downgrade() -> None:
    op.execute("DROP TABLE chat_calls")
