"""Notifications' tables (migrations/versions/0006_notifications.py): the VAPID key, push
subscriptions, digest settings, organisations' time zones."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    SmallInteger,
    Table,
    Text,
    Uuid,
    func,
)

from services.messaging.metadata import metadata

notify_vapid_keys = Table(
    "notify_vapid_keys",
    metadata,
    Column("id", SmallInteger, primary_key=True),
    Column("private_key", Text, nullable=False),
    Column("public_key", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

push_subscriptions = Table(
    "push_subscriptions",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("user_id", Uuid, nullable=False),
    Column("endpoint", Text, nullable=False, unique=True),
    Column("p256dh", Text, nullable=False),
    Column("auth", Text, nullable=False),
    Column("user_agent", Text, nullable=False, server_default=""),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("last_push_at", DateTime(timezone=True)),
)

notify_settings = Table(
    "notify_settings",
    metadata,
    Column("user_id", Uuid, primary_key=True),
    Column("digest", Boolean, nullable=False, server_default="false"),
    Column("email", Text, nullable=False, server_default=""),
    Column("last_digest_at", DateTime(timezone=True)),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

notify_organisations = Table(
    "notify_organisations",
    metadata,
    Column("organisation_id", Uuid, primary_key=True),
    Column("time_zone", Text, nullable=False, server_default=""),
    Column("quiet_enabled", Boolean, nullable=False, server_default="true"),
    Column("quiet_start", SmallInteger, nullable=False, server_default="1260"),
    Column("quiet_end", SmallInteger, nullable=False, server_default="480"),
    Column("updated_by", Uuid),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
