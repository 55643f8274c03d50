"""Polls' tables as SQLAlchemy Core objects (migrations/versions/0007_polls.py creates them), on the
service's one metadata."""

from __future__ import annotations

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    LargeBinary,
    SmallInteger,
    Table,
    Text,
    Uuid,
    func,
)

from services.messaging.metadata import metadata

# One row per poll; the poll is the message (chat_id, seq) and its question is the message's text.
polls = Table(
    "polls",
    metadata,
    Column("chat_id", Uuid, primary_key=True),
    Column("seq", BigInteger, primary_key=True),
    Column("options", ARRAY(Text), nullable=False),
    Column("multiple", Boolean, nullable=False),
    Column("anonymous", Boolean, nullable=False),
    Column("closes_at", DateTime(timezone=True)),
    Column("closed_at", DateTime(timezone=True)),
    Column("closed_by", Uuid),
    # Anonymous polls: the random key of the voters' HMACs (rules.voter_key), erased on closing.
    Column("secret", LargeBinary),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# One row per (voter, chosen option). `voter` is the person's id for open polls and an HMAC of it for
# anonymous ones; `user_id` and `voted_at` are kept for open polls only (NULL for anonymous ones).
poll_votes = Table(
    "poll_votes",
    metadata,
    Column("chat_id", Uuid, primary_key=True),
    Column("seq", BigInteger, primary_key=True),
    Column("voter", Text, primary_key=True),
    Column("option", SmallInteger, primary_key=True),
    Column("user_id", Uuid),
    Column("voted_at", DateTime(timezone=True)),
)
