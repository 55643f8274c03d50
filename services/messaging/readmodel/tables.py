"""The read model of the directory as SQLAlchemy Core tables (`dir_*`, fed only by directory's events
through chats/events.py); migrations/versions create them."""

from __future__ import annotations

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Column,
    Table,
    Text,
    Uuid,
)

from services.messaging.metadata import metadata

dir_organisations = Table(
    "dir_organisations",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", Text, nullable=False),
    Column("staff_room_id", Uuid),
)

dir_members = Table(
    "dir_members",
    metadata,
    Column("organisation_id", Uuid, primary_key=True),
    Column("user_id", Uuid, primary_key=True),
    Column("roles", ARRAY(Text), nullable=False),
    Column("version", BigInteger, nullable=False),
)

dir_classes = Table(
    "dir_classes",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("organisation_id", Uuid, nullable=False),
    Column("name", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("class_teacher_id", Uuid),
)

dir_subject_teachers = Table(
    "dir_subject_teachers",
    metadata,
    Column("class_id", Uuid, primary_key=True),
    Column("subject", Text, primary_key=True),
    Column("organisation_id", Uuid, nullable=False),
    Column("user_id", Uuid, nullable=False),
)

dir_student_classes = Table(
    "dir_student_classes",
    metadata,
    Column("organisation_id", Uuid, primary_key=True),
    Column("user_id", Uuid, primary_key=True),
    Column("class_id", Uuid, nullable=False),
)

dir_parent_links = Table(
    "dir_parent_links",
    metadata,
    Column("organisation_id", Uuid, primary_key=True),
    Column("parent_id", Uuid, primary_key=True),
    Column("child_id", Uuid, primary_key=True),
)
