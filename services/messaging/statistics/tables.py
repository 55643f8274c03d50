"""The weekly statistics' tables (R-STAT-1, migration 0005)."""

from __future__ import annotations

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Column,
    Date,
    Integer,
    PrimaryKeyConstraint,
    Table,
    Text,
    Uuid,
)

from services.messaging.metadata import metadata

stats_organisations = Table(
    "stats_organisations",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", Text, nullable=False),
    Column("time_zone", Text, nullable=False),
)

stats_member_roles = Table(
    "stats_member_roles",
    metadata,
    Column("organisation_id", Uuid, nullable=False),
    Column("user_id", Uuid, nullable=False),
    Column("roles", ARRAY(Text), nullable=False),
    Column("version", BigInteger, nullable=False),
    PrimaryKeyConstraint("organisation_id", "user_id"),
)

stats_weeks = Table(
    "stats_weeks",
    metadata,
    Column("organisation_id", Uuid, nullable=False),
    Column("week_start", Date, nullable=False),
    Column("members_joined", Integer, nullable=False, server_default="0"),
    Column("members_departed", Integer, nullable=False, server_default="0"),
    Column("active_users", Integer, nullable=False, server_default="0"),
    Column("messages", BigInteger, nullable=False, server_default="0"),
    Column("chats_created", Integer, nullable=False, server_default="0"),
    Column("calls", Integer, nullable=False, server_default="0"),
    Column("call_seconds", BigInteger, nullable=False, server_default="0"),
    PrimaryKeyConstraint("organisation_id", "week_start"),
)

stats_role_weeks = Table(
    "stats_role_weeks",
    metadata,
    Column("organisation_id", Uuid, nullable=False),
    Column("week_start", Date, nullable=False),
    Column("role", Text, nullable=False),
    Column("joined", Integer, nullable=False, server_default="0"),
    Column("departed", Integer, nullable=False, server_default="0"),
    PrimaryKeyConstraint("organisation_id", "week_start", "role"),
)

stats_active_users = Table(
    "stats_active_users",
    metadata,
    Column("organisation_id", Uuid, nullable=False),
    Column("week_start", Date, nullable=False),
    Column("user_id", Uuid, nullable=False),
    PrimaryKeyConstraint("organisation_id", "week_start", "user_id"),
)
