"""The movement feature's tables as SQLAlchemy Core objects, on the service's one MetaData. The migrations
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

movements = Table(
    "movements",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("organisation_id", Uuid, ForeignKey("organisations.id"), nullable=False),
    Column("user_id", Uuid, nullable=False),
    Column("kind", Text, nullable=False),
    Column("from_class_id", Uuid, ForeignKey("classes.id")),
    Column("to_class_id", Uuid, ForeignKey("classes.id")),
    Column("reason", Text, nullable=False, server_default=""),
    Column("recorded_by", Uuid),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
