"""Chats, their members and invitations, and messages as SQLAlchemy Core tables; migrations/versions
create them."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Integer,
    Table,
    Text,
    Uuid,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

from services.messaging.metadata import metadata

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
