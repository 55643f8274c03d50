"""Message content beyond text: attachments (files with thumbnails), polls with votes, and what "seen by" on channel posts needs.

Revision ID: 0003
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

DDL: list[str] = [
    # Attachments (R-CHAT-3): metadata only, the bytes live in storage (services/messaging/storage.py).
    # An upload is pending (message_seq NULL) until its uploader attaches it to a message in its chat.
    """CREATE TABLE attachments (
        id UUID PRIMARY KEY,
        organisation_id UUID NOT NULL,
        chat_id UUID NOT NULL REFERENCES chats (id),
        uploader_id UUID NOT NULL,
        name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
        content_type TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('document', 'image', 'video', 'audio')),
        size BIGINT NOT NULL CHECK (size > 0),
        width INTEGER NOT NULL DEFAULT 0,
        height INTEGER NOT NULL DEFAULT 0,
        storage_key TEXT NOT NULL,
        thumbnail_key TEXT,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        message_seq BIGINT,
        position SMALLINT,
        attached_at TIMESTAMPTZ,
        FOREIGN KEY (chat_id, message_seq) REFERENCES messages (chat_id, seq),
        CHECK ((message_seq IS NULL) = (position IS NULL))
    )""",
    "CREATE INDEX attachments_message ON attachments (chat_id, message_seq, position)",
    "CREATE INDEX attachments_pending ON attachments (created_at) WHERE message_seq IS NULL",
]


def upgrade() -> None:
    for statement in DDL:
        op.execute(statement)
