"""Polls on messages (single or multiple choice, anonymous or not, closing) and their votes; an index
on the members' read marks for "seen by" on channel posts.

Revision ID: 0007
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

DDL: list[str] = [
    """CREATE TABLE polls (
        chat_id UUID NOT NULL,
        seq BIGINT NOT NULL,
        options TEXT[] NOT NULL CHECK (cardinality(options) BETWEEN 2 AND 10),
        multiple BOOLEAN NOT NULL,
        anonymous BOOLEAN NOT NULL,
        closes_at TIMESTAMPTZ,
        closed_at TIMESTAMPTZ,
        closed_by UUID,
        secret BYTEA,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        PRIMARY KEY (chat_id, seq),
        FOREIGN KEY (chat_id, seq) REFERENCES messages (chat_id, seq),
        -- an anonymous poll keeps a key while it is open; an open (named) poll never has one
        CHECK (anonymous OR secret IS NULL)
    )""",
    """CREATE TABLE poll_votes (
        chat_id UUID NOT NULL,
        seq BIGINT NOT NULL,
        voter TEXT NOT NULL,
        option SMALLINT NOT NULL CHECK (option BETWEEN 0 AND 9),
        user_id UUID,
        voted_at TIMESTAMPTZ,
        PRIMARY KEY (chat_id, seq, voter, option),
        FOREIGN KEY (chat_id, seq) REFERENCES polls (chat_id, seq)
    )""",
    # "Seen by": the members of a chat whose read mark reached a sequence number, by index range.
    "CREATE INDEX chat_members_read_mark ON chat_members (chat_id, last_read_seq)",
]


def upgrade() -> None:
    for statement in DDL:
        op.execute(statement)
