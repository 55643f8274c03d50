"""The joining feature's tables as SQLAlchemy Core objects, on the service's one MetaData. The migrations
in services/directory/migrations/versions create and change them; keep the two in step."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Identity,
    Integer,
    LargeBinary,
    Table,
    Text,
    Uuid,
    func,
)

from services.directory.metadata import metadata

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
