"""Moderation's tables (R-MOD-1..5, migrations/versions/0002_moderation.py)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Integer,
    Table,
    Text,
    Uuid,
    func,
)

from services.messaging.metadata import metadata

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
