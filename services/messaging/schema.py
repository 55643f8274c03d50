"""Messaging's tables as SQLAlchemy Core objects: the store's vocabulary. The migrations in
migrations/versions create and change them; keep the two in step.

Two groups: the read model of the directory (`dir_*`, fed only by directory's events) and
messaging's own data (chats, members, invitations, messages)."""

from __future__ import annotations

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Integer,
    MetaData,
    SmallInteger,
    Table,
    Text,
    Uuid,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData()

# --- the read model of the directory ------------------------------------------------------------
dir_organisations = Table(
    "dir_organisations",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", Text, nullable=False),
    Column("staff_room_id", Uuid),
)

dir_members = Table(
    "dir_members",
    metadata,
    Column("organisation_id", Uuid, primary_key=True),
    Column("user_id", Uuid, primary_key=True),
    Column("roles", ARRAY(Text), nullable=False),
    Column("version", BigInteger, nullable=False),
)

dir_classes = Table(
    "dir_classes",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("organisation_id", Uuid, nullable=False),
    Column("name", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("class_teacher_id", Uuid),
)

dir_subject_teachers = Table(
    "dir_subject_teachers",
    metadata,
    Column("class_id", Uuid, primary_key=True),
    Column("subject", Text, primary_key=True),
    Column("organisation_id", Uuid, nullable=False),
    Column("user_id", Uuid, nullable=False),
)

dir_student_classes = Table(
    "dir_student_classes",
    metadata,
    Column("organisation_id", Uuid, primary_key=True),
    Column("user_id", Uuid, primary_key=True),
    Column("class_id", Uuid, nullable=False),
)

dir_parent_links = Table(
    "dir_parent_links",
    metadata,
    Column("organisation_id", Uuid, primary_key=True),
    Column("parent_id", Uuid, primary_key=True),
    Column("child_id", Uuid, primary_key=True),
)

# --- messaging's own data -----------------------------------------------------------------------
chats = Table(
    "chats",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("organisation_id", Uuid, nullable=False),
    Column("kind", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("class_id", Uuid),
    Column("subject", Text, nullable=False, server_default=""),
    Column("system_kind", Text),
    Column("staff_only", Boolean, nullable=False, server_default="false"),
    Column("created_by", Uuid),
    Column("rules", JSONB, nullable=False),
    Column("rules_version", Integer, nullable=False, server_default="1"),
    # The per-chat message counter: `UPDATE ... SET last_seq = last_seq + 1 RETURNING last_seq`.
    Column("last_seq", BigInteger, nullable=False, server_default="0"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

chat_members = Table(
    "chat_members",
    metadata,
    Column("chat_id", Uuid, primary_key=True),
    Column("user_id", Uuid, primary_key=True),
    Column("rules_version", Integer, nullable=False),
    Column("last_read_seq", BigInteger, nullable=False, server_default="0"),
    Column("joined_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

chat_invitations = Table(
    "chat_invitations",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("chat_id", Uuid, nullable=False),
    Column("user_id", Uuid, nullable=False),
    Column("invited_by", Uuid, nullable=False),
    Column("status", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("decided_at", DateTime(timezone=True)),
)

messages = Table(
    "messages",
    metadata,
    Column("chat_id", Uuid, primary_key=True),
    Column("seq", BigInteger, primary_key=True),
    Column("author_id", Uuid, nullable=False),
    Column("text", Text, nullable=False),
    Column("reply_to_seq", BigInteger),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("edited_at", DateTime(timezone=True)),
    Column("deleted_at", DateTime(timezone=True)),
    # A tombstone left by a moderator keeps who deleted the message and why (R-MOD-1, R-MOD-5).
    Column("deleted_by", Uuid),
    Column("delete_rule", Integer),
    Column("delete_reason", Text),
    # The id the sender's client gave the message, unique per chat and author (migration 0009): a
    # send retried after a lost answer finds the message it already stored.
    Column("client_id", Uuid),
)

# --- moderation (R-MOD-1..5, migrations/versions/0002_moderation.py) ----------------------------
chat_moderators = Table(
    "chat_moderators",
    metadata,
    Column("chat_id", Uuid, primary_key=True),
    Column("user_id", Uuid, primary_key=True),
    Column("named_by", Uuid, nullable=False),
    Column("named_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

chat_violations = Table(
    "chat_violations",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("chat_id", Uuid, nullable=False),
    Column("user_id", Uuid, nullable=False),
    Column("rule", Integer, nullable=False),
    Column("rule_text", Text, nullable=False),
    Column("comment", Text, nullable=False, server_default=""),
    Column("recorded_by", Uuid, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

chat_blocks = Table(
    "chat_blocks",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("chat_id", Uuid, nullable=False),
    Column("user_id", Uuid, nullable=False),
    Column("blocked_by", Uuid, nullable=False),
    Column("reason", Text, nullable=False),
    Column("starts_at", DateTime(timezone=True), nullable=False),
    Column("ends_at", DateTime(timezone=True), nullable=False),
    Column("lifted_at", DateTime(timezone=True)),
    Column("lifted_by", Uuid),
    Column("lift_reason", Text),
)

# Append-only: a trigger refuses UPDATE and DELETE (R-MOD-5).
moderation_audit = Table(
    "moderation_audit",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("chat_id", Uuid, nullable=False),
    Column("organisation_id", Uuid, nullable=False),
    Column("actor_id", Uuid, nullable=False),
    Column("action", Text, nullable=False),
    Column("target_user_id", Uuid),
    Column("message_seq", BigInteger),
    Column("rule", Integer),
    Column("reason", Text, nullable=False, server_default=""),
    Column("block_ends_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# --- attachments (R-CHAT-3, migrations/versions/0003_content.py) --------------------------------
# Metadata only; the bytes live in storage (storage.py). Pending while message_seq is NULL.
attachments = Table(
    "attachments",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("organisation_id", Uuid, nullable=False),
    Column("chat_id", Uuid, nullable=False),
    Column("uploader_id", Uuid, nullable=False),
    Column("name", Text, nullable=False),
    Column("content_type", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("width", Integer, nullable=False, server_default="0"),
    Column("height", Integer, nullable=False, server_default="0"),
    Column("storage_key", Text, nullable=False),
    Column("thumbnail_key", Text),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("message_seq", BigInteger),
    Column("position", SmallInteger),
    Column("attached_at", DateTime(timezone=True)),
)
