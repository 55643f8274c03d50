"""The support feature's tables as SQLAlchemy Core objects, on the service's one MetaData. The migrations
in services/directory/migrations/versions create and change them; keep the two in step."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Table,
    Text,
    Uuid,
    func,
)

from services.directory.metadata import metadata

support_requests = Table(
    "support_requests",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("organisation_id", Uuid, ForeignKey("organisations.id"), nullable=False),
    Column("author_id", Uuid, nullable=False),
    Column("addressee", Text, nullable=False),
    Column("subject", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("answer", Text, nullable=False, server_default=""),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
