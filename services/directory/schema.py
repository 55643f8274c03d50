"""Directory's tables as SQLAlchemy Core objects: the store's vocabulary. The migrations in
migrations/versions create and change them; keep the two in step."""

from __future__ import annotations

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Identity,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
    Uuid,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData()

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

invites = Table(
    "invites",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("organisation_id", Uuid, ForeignKey("organisations.id"), nullable=False),
    Column("class_id", Uuid, ForeignKey("classes.id"), nullable=False),
    Column("role", Text, nullable=False),
    Column("student_id", Uuid),
    Column("token_hash", LargeBinary, nullable=False, unique=True),
    # Kept for links made one at a time, so they can be shown again; cleared on revocation.
    Column("token", Text),
    Column("label", Text, nullable=False, server_default=""),
    Column("created_by", Uuid, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("max_uses", Integer, nullable=False),
    Column("uses", Integer, nullable=False, server_default="0"),
    Column("revoked_at", DateTime(timezone=True)),
)

invite_acceptances = Table(
    "invite_acceptances",
    metadata,
    Column("invite_id", Uuid, ForeignKey("invites.id"), primary_key=True),
    Column("user_id", Uuid, primary_key=True),
    Column("accepted_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

invite_failures = Table(
    "invite_failures",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("client_address", Text, nullable=False),
    Column("token_prefix", Text, nullable=False, server_default=""),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
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

# Unknown join codes (and unknown tokens asking for a class's names, class_roster.py) per client
# address: guessing protection like invite tokens' (R-INV-2, migration 0004).
join_code_failures = Table(
    "join_code_failures",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("client_address", Text, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # Who tried (migration 0006): failures are counted per person, the address is a ceiling.
    Column("user_id", Uuid),
)

join_requests = Table(
    "join_requests",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("organisation_id", Uuid, ForeignKey("organisations.id"), nullable=False),
    Column("user_id", Uuid, nullable=False),
    Column("role", Text, nullable=False),
    Column("class_id", Uuid, ForeignKey("classes.id")),
    Column("message", Text, nullable=False, server_default=""),
    Column("status", Text, nullable=False),
    Column("reason", Text, nullable=False, server_default=""),
    # R-INV-3: who asks, as named in their profile when they asked (migration 0003).
    Column("requester_name", Text, nullable=False, server_default=""),
    # A parent's claim (R-ROLE-6, migration 0004): the child by id or by name, and the relation.
    Column("child_id", Uuid),
    Column("child_first_name", Text, nullable=False, server_default=""),
    Column("child_last_name", Text, nullable=False, server_default=""),
    Column("relation", Text, nullable=False, server_default=""),
    Column("decided_by", Uuid),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("decided_at", DateTime(timezone=True)),
)

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

role_verifications = Table(
    "role_verifications",
    metadata,
    Column("organisation_id", Uuid, primary_key=True),
    Column("user_id", Uuid, primary_key=True),
    Column("role", Text, primary_key=True),
    Column("verified", Boolean, nullable=False),
    Column("decided_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
