"""Chat invite links' tables (R-CHAT-6, migrations/versions/0004_search_links.py)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Integer,
    LargeBinary,
    Table,
    Text,
    Uuid,
    func,
)

from services.messaging.metadata import metadata

chat_links = Table(
    "chat_links",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("chat_id", Uuid, nullable=False),
    Column("organisation_id", Uuid, nullable=False),
    Column("token_hash", LargeBinary, nullable=False),
    Column("created_by", Uuid, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("max_uses", Integer),
    Column("uses", Integer, nullable=False, server_default="0"),
    Column("revoked_at", DateTime(timezone=True)),
    Column("revoked_by", Uuid),
)

chat_link_failures = Table(
    "chat_link_failures",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("client_address", Text, nullable=False),
    Column("token_prefix", Text, nullable=False, server_default=""),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
