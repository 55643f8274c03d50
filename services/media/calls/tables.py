"""Calls' tables (migrations/versions/0001_initial.py): a call in a chat, and one row per participant
session (a device) with its media state and its joined / left times."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Table, Text, Uuid, func

from services.media.metadata import metadata

calls = Table(
    "calls",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("organisation_id", Uuid, nullable=False),
    Column("chat_id", Uuid, nullable=False),
    Column("started_by", Uuid, nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("ended_at", DateTime(timezone=True)),
    # Where the call's room is (placement/): the SFU process's gRPC address.
    Column("sfu_address", Text, nullable=False),
    # "chat" (chat_id is the chat) or "broadcast" (chat_id holds the broadcast's id, decision 010).
    Column("kind", Text, nullable=False, server_default="chat"),
)

call_sessions = Table(
    "call_sessions",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("call_id", Uuid, ForeignKey("calls.id"), nullable=False),
    Column("user_id", Uuid, nullable=False),
    Column("may_publish", Boolean, nullable=False),
    Column("mic", Boolean, nullable=False, server_default="false"),
    Column("camera", Boolean, nullable=False, server_default="false"),
    Column("screen", Boolean, nullable=False, server_default="false"),
    Column("hand_raised", Boolean, nullable=False, server_default="false"),
    Column("joined_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("left_at", DateTime(timezone=True)),
    Column("left_reason", Text),
)
