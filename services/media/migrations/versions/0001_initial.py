"""The media service's first schema: calls in chats and their participant sessions, the outbox and
the inbox's processed events.

Revision ID: 0001
"""

from alembic import op

from services.common.inbox import create_processed_events_table
from services.common.outbox import create_outbox_table

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

DDL = [
    """CREATE TABLE calls (
        id UUID PRIMARY KEY,
        organisation_id UUID NOT NULL,
        chat_id UUID NOT NULL,
        started_by UUID NOT NULL,
        started_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        ended_at TIMESTAMPTZ,
        sfu_address TEXT NOT NULL
    )""",
    # One call in progress per chat (concurrent first joins make one call: calls/store.py).
    "CREATE UNIQUE INDEX calls_in_progress ON calls (chat_id) WHERE ended_at IS NULL",
    "CREATE INDEX calls_organisation ON calls (organisation_id, started_at)",
    """CREATE TABLE call_sessions (
        id UUID PRIMARY KEY,
        call_id UUID NOT NULL REFERENCES calls (id),
        user_id UUID NOT NULL,
        may_publish BOOLEAN NOT NULL,
        mic BOOLEAN NOT NULL DEFAULT false,
        camera BOOLEAN NOT NULL DEFAULT false,
        screen BOOLEAN NOT NULL DEFAULT false,
        hand_raised BOOLEAN NOT NULL DEFAULT false,
        joined_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        left_at TIMESTAMPTZ,
        left_reason TEXT
    )""",
    "CREATE INDEX call_sessions_open ON call_sessions (call_id) WHERE left_at IS NULL",
    "CREATE INDEX call_sessions_call ON call_sessions (call_id, user_id)",
]


def upgrade() -> None:
    bind = op.get_bind()
    create_outbox_table(bind)
    create_processed_events_table(bind)
    for statement in DDL:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TABLE call_sessions")
    op.execute("DROP TABLE calls")
    op.execute("DROP TABLE processed_events")
    op.execute("DROP TABLE outbox")
