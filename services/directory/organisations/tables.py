"""The organisations feature's tables as SQLAlchemy Core objects, on the service's one MetaData. The
migrations in services/directory/migrations/versions create and change them; keep the two in step."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    Table,
    Text,
    Uuid,
    func,
)

from services.directory.metadata import metadata

operator_staff = Table(
    "operator_staff",
    metadata,
    Column("login", Text, primary_key=True),
    Column("added_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)


applications = Table(
    "applications",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("kind", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("region", Text, nullable=False),
    Column("address", Text, nullable=False),
    Column("tax_id", Text, nullable=False),
    Column("admin_full_name", Text, nullable=False),
    Column("admin_email", Text, nullable=False),
    Column("admin_phone", Text, nullable=False),
    Column("document_name", Text, nullable=False),
    Column("document_type", Text, nullable=False),
    Column("document", LargeBinary, nullable=False),
    Column("status", Text, nullable=False),
    Column("reason", Text, nullable=False, server_default=""),
    Column("submitted_by", Uuid, nullable=False),
    Column("decided_by", Uuid),
    Column("decided_at", DateTime(timezone=True)),
    Column("organisation_id", Uuid),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)


organisations = Table(
    "organisations",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("kind", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("region", Text, nullable=False),
    Column("address", Text, nullable=False),
    Column("tax_id", Text, nullable=False, unique=True),
    Column("time_zone", Text, nullable=False),
    Column("journal_url", Text, nullable=False, server_default=""),
    Column("join_code", Text, nullable=False, unique=True),
    Column("pending_admin_phone", Text),
    Column("pending_admin_email", Text),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)


units = Table(
    "units",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("organisation_id", Uuid, ForeignKey("organisations.id"), nullable=False),
    Column("name", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)


classes = Table(
    "classes",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("organisation_id", Uuid, ForeignKey("organisations.id"), nullable=False),
    Column("unit_id", Uuid, ForeignKey("units.id")),
    Column("kind", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("academic_year", Text, nullable=False),
    Column("grade", Integer),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
