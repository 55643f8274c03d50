"""Broadcasts (R-MEDIA-2, decision 010): the planned broadcasts and their viewers' questions, and a
call's kind — a broadcast's call keeps the broadcast's id where a chat call keeps its chat's.

Revision ID: 0002
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

DDL = [
    "ALTER TABLE calls ADD COLUMN kind TEXT NOT NULL DEFAULT 'chat'",
    """CREATE TABLE broadcasts (
        id UUID PRIMARY KEY,
        organisation_id UUID NOT NULL,
        title TEXT NOT NULL,
        starts_at TIMESTAMPTZ NOT NULL,
        presenter_ids UUID[] NOT NULL,
        whole_school BOOLEAN NOT NULL DEFAULT false,
        staff BOOLEAN NOT NULL DEFAULT false,
        class_ids UUID[] NOT NULL DEFAULT '{}',
        students BOOLEAN NOT NULL DEFAULT false,
        parents BOOLEAN NOT NULL DEFAULT false,
        created_by UUID NOT NULL,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        cancelled_at TIMESTAMPTZ
    )""",
    "CREATE INDEX broadcasts_organisation ON broadcasts (organisation_id, starts_at)",
    """CREATE TABLE broadcast_questions (
        id UUID PRIMARY KEY,
        broadcast_id UUID NOT NULL REFERENCES broadcasts (id),
        author_id UUID NOT NULL,
        text TEXT NOT NULL,
        asked_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        hidden_at TIMESTAMPTZ,
        hidden_by UUID
    )""",
    "CREATE INDEX broadcast_questions_broadcast ON broadcast_questions (broadcast_id, asked_at)",
]


def upgrade() -> None:
    for statement in DDL:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TABLE broadcast_questions")
    op.execute("DROP TABLE broadcasts")
    op.execute("ALTER TABLE calls DROP COLUMN kind")
