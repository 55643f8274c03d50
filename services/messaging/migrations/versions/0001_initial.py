"""Messaging's first schema: the directory read model, chats, members, invitations, messages.

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
    """CREATE TABLE dir_organisations (
        id UUID PRIMARY KEY,
        name TEXT NOT NULL,
        staff_room_id UUID
    )""",
    """CREATE TABLE dir_members (
        organisation_id UUID NOT NULL,
        user_id UUID NOT NULL,
        roles TEXT[] NOT NULL,
        version BIGINT NOT NULL,
        PRIMARY KEY (organisation_id, user_id)
    )""",
    "CREATE INDEX dir_members_user ON dir_members (user_id)",
    """CREATE TABLE dir_classes (
        id UUID PRIMARY KEY,
        organisation_id UUID NOT NULL,
        name TEXT NOT NULL,
        kind TEXT NOT NULL,
        class_teacher_id UUID
    )""",
    "CREATE INDEX dir_classes_organisation ON dir_classes (organisation_id)",
    """CREATE TABLE dir_subject_teachers (
        class_id UUID NOT NULL,
        subject TEXT NOT NULL,
        organisation_id UUID NOT NULL,
        user_id UUID NOT NULL,
        PRIMARY KEY (class_id, subject)
    )""",
    """CREATE TABLE dir_student_classes (
        organisation_id UUID NOT NULL,
        user_id UUID NOT NULL,
        class_id UUID NOT NULL,
        PRIMARY KEY (organisation_id, user_id)
    )""",
    "CREATE INDEX dir_student_classes_class ON dir_student_classes (class_id)",
    """CREATE TABLE dir_parent_links (
        organisation_id UUID NOT NULL,
        parent_id UUID NOT NULL,
        child_id UUID NOT NULL,
        PRIMARY KEY (organisation_id, parent_id, child_id)
    )""",
    "CREATE INDEX dir_parent_links_child ON dir_parent_links (organisation_id, child_id)",
    """CREATE TABLE chats (
        id UUID PRIMARY KEY,
        organisation_id UUID NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN
            ('class', 'parents', 'class_staff', 'subject', 'management', 'other', 'channel')),
        title TEXT NOT NULL,
        class_id UUID,
        subject TEXT NOT NULL DEFAULT '',
        system_kind TEXT CHECK (system_kind IN ('school', 'staff')),
        staff_only BOOLEAN NOT NULL DEFAULT false,
        created_by UUID,
        rules JSONB NOT NULL,
        rules_version INTEGER NOT NULL DEFAULT 1,
        last_seq BIGINT NOT NULL DEFAULT 0,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )""",
    "CREATE INDEX chats_organisation ON chats (organisation_id)",
    "CREATE INDEX chats_class ON chats (class_id) WHERE class_id IS NOT NULL",
    # R-ORG-5: each system channel exists once per organisation, however often activation is delivered.
    "CREATE UNIQUE INDEX chats_system ON chats (organisation_id, system_kind) WHERE system_kind IS NOT NULL",
    # One chat of each class kind per class (and per subject for subject chats).
    """CREATE UNIQUE INDEX chats_class_kind ON chats (class_id, kind, subject)
        WHERE kind IN ('class', 'parents', 'class_staff', 'subject')""",
    """CREATE TABLE chat_members (
        chat_id UUID NOT NULL REFERENCES chats (id),
        user_id UUID NOT NULL,
        rules_version INTEGER NOT NULL,
        last_read_seq BIGINT NOT NULL DEFAULT 0,
        joined_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        PRIMARY KEY (chat_id, user_id)
    )""",
    "CREATE INDEX chat_members_user ON chat_members (user_id)",
    """CREATE TABLE chat_invitations (
        id UUID PRIMARY KEY,
        chat_id UUID NOT NULL REFERENCES chats (id),
        user_id UUID NOT NULL,
        invited_by UUID NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'declined', 'withdrawn')),
        created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        decided_at TIMESTAMPTZ
    )""",
    "CREATE UNIQUE INDEX chat_invitations_pending ON chat_invitations (chat_id, user_id) WHERE status = 'pending'",
    "CREATE INDEX chat_invitations_user ON chat_invitations (user_id, status)",
    """CREATE TABLE messages (
        chat_id UUID NOT NULL REFERENCES chats (id),
        seq BIGINT NOT NULL,
        author_id UUID NOT NULL,
        text TEXT NOT NULL,
        reply_to_seq BIGINT,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        edited_at TIMESTAMPTZ,
        deleted_at TIMESTAMPTZ,
        PRIMARY KEY (chat_id, seq)
    )""",
]


def upgrade() -> None:
    for statement in DDL:
        op.execute(statement)
    create_outbox_table(op.get_bind())
    create_processed_events_table(op.get_bind())
