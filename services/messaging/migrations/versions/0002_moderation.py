"""Moderation (R-MOD-1..5): named moderators, tombstones that keep who deleted and why, violations,
blocks, and the append-only audit log (a trigger refuses UPDATE and DELETE on it).

Revision ID: 0002
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

DDL = [
    "ALTER TABLE messages ADD COLUMN deleted_by UUID",
    "ALTER TABLE messages ADD COLUMN delete_rule INTEGER",
    "ALTER TABLE messages ADD COLUMN delete_reason TEXT",
    """CREATE TABLE chat_moderators (
        chat_id UUID NOT NULL REFERENCES chats (id),
        user_id UUID NOT NULL,
        named_by UUID NOT NULL,
        named_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        PRIMARY KEY (chat_id, user_id)
    )""",
    """CREATE TABLE chat_violations (
        id UUID PRIMARY KEY,
        chat_id UUID NOT NULL REFERENCES chats (id),
        user_id UUID NOT NULL,
        rule INTEGER NOT NULL CHECK (rule >= 1),
        rule_text TEXT NOT NULL,
        comment TEXT NOT NULL DEFAULT '',
        recorded_by UUID NOT NULL,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )""",
    "CREATE INDEX chat_violations_member ON chat_violations (chat_id, user_id)",
    """CREATE TABLE chat_blocks (
        id UUID PRIMARY KEY,
        chat_id UUID NOT NULL REFERENCES chats (id),
        user_id UUID NOT NULL,
        blocked_by UUID NOT NULL,
        reason TEXT NOT NULL,
        starts_at TIMESTAMPTZ NOT NULL,
        ends_at TIMESTAMPTZ NOT NULL,
        lifted_at TIMESTAMPTZ,
        lifted_by UUID,
        lift_reason TEXT,
        CHECK (ends_at > starts_at AND ends_at <= starts_at + interval '30 days')
    )""",
    "CREATE INDEX chat_blocks_member ON chat_blocks (chat_id, user_id, ends_at)",
    """CREATE TABLE moderation_audit (
        id BIGSERIAL PRIMARY KEY,
        chat_id UUID NOT NULL REFERENCES chats (id),
        organisation_id UUID NOT NULL,
        actor_id UUID NOT NULL,
        action TEXT NOT NULL CHECK (action IN ('moderator.named', 'message.removed',
            'violation.recorded', 'member.blocked', 'block.lifted', 'member.removed')),
        target_user_id UUID,
        message_seq BIGINT,
        rule INTEGER,
        reason TEXT NOT NULL DEFAULT '',
        block_ends_at TIMESTAMPTZ,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )""",
    "CREATE INDEX moderation_audit_chat ON moderation_audit (chat_id, id DESC)",
    # R-MOD-5: the audit log is append-only, whatever the code above it does.
    """CREATE FUNCTION moderation_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'moderation_audit is append-only (R-MOD-5)';
    END
    $$""",
    """CREATE TRIGGER moderation_audit_append_only BEFORE UPDATE OR DELETE ON moderation_audit
        FOR EACH ROW EXECUTE FUNCTION moderation_audit_append_only()""",
]


def upgrade() -> None:
    for statement in DDL:
        op.execute(statement)
