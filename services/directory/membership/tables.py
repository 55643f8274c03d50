"""The membership feature's tables as SQLAlchemy Core objects, on the service's one MetaData. The
migrations in services/directory/migrations/versions create and change them; keep the two in step."""

from __future__ import annotations

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Identity,
    Table,
    Text,
    Uuid,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

from services.directory.metadata import metadata

memberships = Table(
    "memberships",
    metadata,
    Column("organisation_id", Uuid, ForeignKey("organisations.id"), primary_key=True),
    Column("user_id", Uuid, primary_key=True),
    Column("roles", ARRAY(Text), nullable=False),
    Column("version", BigInteger, nullable=False, server_default="1"),
    Column("joined_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)


member_history = Table(
    "member_history",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("organisation_id", Uuid, nullable=False),
    Column("user_id", Uuid, nullable=False),
    Column("action", Text, nullable=False),
    Column("details", JSONB, nullable=False, server_default="{}"),
    Column("actor", Uuid),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)


role_verifications = Table(
    "role_verifications",
    metadata,
    Column("organisation_id", Uuid, primary_key=True),
    Column("user_id", Uuid, primary_key=True),
    Column("role", Text, primary_key=True),
    Column("verified", Boolean, nullable=False),
    Column("decided_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)


# First and last names from identity.profile.updated: a parent holding a class's parents' link picks
# their child among its students by name (R-ROLE-6, migration 0004). Nothing else about a person.
person_names = Table(
    "person_names",
    metadata,
    Column("user_id", Uuid, primary_key=True),
    Column("first_name", Text, nullable=False, server_default=""),
    Column("last_name", Text, nullable=False, server_default=""),
)


class_teachers = Table(
    "class_teachers",
    metadata,
    Column("class_id", Uuid, ForeignKey("classes.id"), primary_key=True),
    Column("organisation_id", Uuid, ForeignKey("organisations.id"), nullable=False),
    Column("user_id", Uuid, nullable=False),
    Column("assigned_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)


subject_assignments = Table(
    "subject_assignments",
    metadata,
    Column("class_id", Uuid, ForeignKey("classes.id"), primary_key=True),
    Column("subject", Text, primary_key=True),
    Column("organisation_id", Uuid, ForeignKey("organisations.id"), nullable=False),
    Column("user_id", Uuid, nullable=False),
    Column("assigned_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)


student_classes = Table(
    "student_classes",
    metadata,
    Column("organisation_id", Uuid, ForeignKey("organisations.id"), primary_key=True),
    Column("user_id", Uuid, primary_key=True),
    Column("class_id", Uuid, ForeignKey("classes.id"), nullable=False),
    Column("since", DateTime(timezone=True), nullable=False, server_default=func.now()),
)


parent_links = Table(
    "parent_links",
    metadata,
    Column("organisation_id", Uuid, ForeignKey("organisations.id"), primary_key=True),
    Column("parent_id", Uuid, primary_key=True),
    Column("child_id", Uuid, primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # "mother", "father", "guardian", or '' when the parent did not say (migration 0004).
    Column("relation", Text, nullable=False, server_default=""),
)


# A parent who joined naming a child not (yet) a student of the class: kept for the class teacher
# to link later (R-ROLE-6, migration 0004).
parent_claims = Table(
    "parent_claims",
    metadata,
    Column("organisation_id", Uuid, ForeignKey("organisations.id"), primary_key=True),
    Column("parent_id", Uuid, primary_key=True),
    Column("class_id", Uuid, ForeignKey("classes.id"), primary_key=True),
    Column("child_first_name", Text, primary_key=True),
    Column("child_last_name", Text, primary_key=True),
    Column("relation", Text, nullable=False, server_default=""),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
