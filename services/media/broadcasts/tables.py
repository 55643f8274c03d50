"""Broadcasts' tables (migrations/versions/0002_broadcasts.py): a planned broadcast with its presenters
and audience, and the questions its viewers ask."""

from __future__ import annotations

from sqlalchemy import ARRAY, Boolean, Column, DateTime, ForeignKey, Table, Text, Uuid, func

from services.media.metadata import metadata

broadcasts = Table(
    "broadcasts",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("organisation_id", Uuid, nullable=False),
    Column("title", Text, nullable=False),
    Column("starts_at", DateTime(timezone=True), nullable=False),
    Column("presenter_ids", ARRAY(Uuid), nullable=False),
    Column("whole_school", Boolean, nullable=False, server_default="false"),
    Column("staff", Boolean, nullable=False, server_default="false"),
    Column("class_ids", ARRAY(Uuid), nullable=False, server_default="{}"),
    Column("students", Boolean, nullable=False, server_default="false"),
    Column("parents", Boolean, nullable=False, server_default="false"),
    Column("created_by", Uuid, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("cancelled_at", DateTime(timezone=True)),
)

broadcast_questions = Table(
    "broadcast_questions",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("broadcast_id", Uuid, ForeignKey("broadcasts.id"), nullable=False),
    Column("author_id", Uuid, nullable=False),
    Column("text", Text, nullable=False),
    Column("asked_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("hidden_at", DateTime(timezone=True)),
    Column("hidden_by", Uuid),
)
