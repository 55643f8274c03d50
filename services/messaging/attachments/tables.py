"""Attachments' table (R-CHAT-3, migrations/versions/0003_content.py)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Integer,
    SmallInteger,
    Table,
    Text,
    Uuid,
    func,
)

from services.messaging.metadata import metadata

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
