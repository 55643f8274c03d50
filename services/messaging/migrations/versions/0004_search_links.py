"""Full-text search over messages (russian configuration) and chat invite links (R-CHAT-6).

- `messages.search_vector`: a stored generated `to_tsvector('russian', text)` with a GIN index; a
  deleted message's text is empty, so its vector is too (and search also skips `deleted_at`).
- `chat_links`: a link's SHA-256 token hash (never the token), expiry, optional use limit, its uses
  and revocation; `chat_link_failures`: failed look-ups of unknown tokens per client address.

Revision ID: 0004
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

DDL: list[str] = [
    """ALTER TABLE messages ADD COLUMN search_vector tsvector
        GENERATED ALWAYS AS (to_tsvector('russian', text)) STORED""",
    "CREATE INDEX messages_search ON messages USING GIN (search_vector)",
    """CREATE TABLE chat_links (
        id UUID PRIMARY KEY,
        chat_id UUID NOT NULL REFERENCES chats (id),
        organisation_id UUID NOT NULL,
        token_hash BYTEA NOT NULL UNIQUE,
        created_by UUID NOT NULL,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        expires_at TIMESTAMPTZ NOT NULL,
        max_uses INTEGER CHECK (max_uses IS NULL OR max_uses >= 1),
        uses INTEGER NOT NULL DEFAULT 0,
        revoked_at TIMESTAMPTZ,
        revoked_by UUID,
        CHECK (expires_at > created_at AND expires_at <= created_at + interval '30 days'),
        CHECK (uses >= 0 AND (max_uses IS NULL OR uses <= max_uses))
    )""",
    "CREATE INDEX chat_links_chat ON chat_links (chat_id, created_at DESC)",
    """CREATE TABLE chat_link_failures (
        id BIGSERIAL PRIMARY KEY,
        client_address TEXT NOT NULL,
        at TIMESTAMPTZ NOT NULL DEFAULT now()
    )""",
    "CREATE INDEX chat_link_failures_address ON chat_link_failures (client_address, at)",
]


def upgrade() -> None:
    for statement in DDL:
        op.execute(statement)
