"""Identity's tables as SQLAlchemy Core objects: the store's vocabulary. The migrations in
migrations/versions create and change them; keep the two in step."""

from __future__ import annotations

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Identity,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    func,
)

metadata = MetaData()

users = Table(
    "users",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("phone", Text, unique=True),
    Column("email", Text, unique=True),
    Column("display_name", Text, nullable=False, server_default=""),
    Column("first_name", Text, nullable=False, server_default=""),
    Column("last_name", Text, nullable=False, server_default=""),
    Column("avatar_url", Text, nullable=False, server_default=""),
    # A child account (R-INV-4): the parent's e-mail receives its codes; child_key names the child.
    Column("guardian_email", Text),
    Column("child_key", Text),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("guardian_email", "child_key", name="users_child_unique"),
)

login_codes = Table(
    "login_codes",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("destination", Text, nullable=False),
    Column("child_key", Text),
    Column("code_hash", LargeBinary, nullable=False),
    Column("client_address", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("consumed_at", DateTime(timezone=True)),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("user_id", Uuid, ForeignKey("users.id"), nullable=False),
    Column("device_name", Text, nullable=False, server_default=""),
    Column("client_address", Text, nullable=False, server_default=""),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_used_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
    Column("revoke_reason", Text),
)

refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    Column("token_hash", LargeBinary, primary_key=True),
    Column("session_id", Uuid, ForeignKey("sessions.id"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True)),
)

signing_keys = Table(
    "signing_keys",
    metadata,
    Column("kid", Text, primary_key=True),
    Column("private_key", LargeBinary, nullable=False),
    Column("public_x", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("retired_at", DateTime(timezone=True)),
)

role_verifications = Table(
    "role_verifications",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("user_id", Uuid, nullable=False),
    Column("organisation_id", Uuid, nullable=False),
    Column("role", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("decided_by", Uuid),
    Column("decided_at", DateTime(timezone=True)),
    Column("reason", Text, nullable=False, server_default=""),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("user_id", "organisation_id", "role", name="role_verifications_unique"),
)

# Read model of directory's memberships: who holds which roles in which organisation.
org_roles = Table(
    "org_roles",
    metadata,
    Column("organisation_id", Uuid, primary_key=True),
    Column("user_id", Uuid, primary_key=True),
    Column("roles", ARRAY(Text), nullable=False),
    Column("version", BigInteger, nullable=False),
)

# Read model of directory's parent links (child_key: the child's id) and claims (child_key: "name:"
# and the typed name, the child not yet a student): who a parent is to which child (R-ROLE-6).
parent_relations = Table(
    "parent_relations",
    metadata,
    Column("organisation_id", Uuid, primary_key=True),
    Column("parent_id", Uuid, primary_key=True),
    Column("child_key", Text, primary_key=True),
    Column("child_id", Uuid),
    Column("child_first_name", Text, nullable=False, server_default=""),
    Column("child_last_name", Text, nullable=False, server_default=""),
    Column("relation", Text, nullable=False, server_default=""),
)

dev_mailbox = Table(
    "dev_mailbox",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("destination", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("sent_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
