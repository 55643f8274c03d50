"""The calls held in chats, as media's events tell them (migration 0010)."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Index, Integer, Table, Uuid, text

from services.messaging.metadata import metadata

chat_calls = Table(
    "chat_calls",
    metadata,
    Column("call_id", Uuid, primary_key=True),
    Column("chat_id", Uuid, nullable=False),
    Column("organisation_id", Uuid, nullable=False),
    # Unknown (NULL) while only a participants event has arrived (events may come out of order).
    Column("started_by", Uuid),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("participant_count", Integer, nullable=False),
    # When the participants event whose count is kept happened: an older one changes nothing.
    Column("counted_at", DateTime(timezone=True)),
    # Set once by `call.ended`; nothing brings an ended call back.
    Column("ended_at", DateTime(timezone=True)),
    Index("chat_calls_in_progress", "chat_id", postgresql_where=text("ended_at IS NULL")),
)
