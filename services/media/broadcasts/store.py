"""Broadcasts' SQL: the broadcasts, their questions, and the broadcast's call in progress (calls'
tables, read only: a broadcast's call keeps the broadcast's id in `calls.chat_id`, decision 010).
Every method takes the connection of the caller's transaction; nothing here decides a rule."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from services.media.broadcasts.tables import broadcast_questions, broadcasts
from services.media.calls.tables import call_sessions, calls


class BroadcastStore:
    async def insert(self, conn: AsyncConnection, **values: Any) -> Row[Any]:
        return (await conn.execute(broadcasts.insert().values(**values).returning(*broadcasts.c))).one()

    async def get(self, conn: AsyncConnection, broadcast_id: uuid.UUID) -> Row[Any] | None:
        return (await conn.execute(select(broadcasts).where(broadcasts.c.id == broadcast_id))).first()

    async def update(self, conn: AsyncConnection, broadcast_id: uuid.UUID, **values: Any) -> Row[Any]:
        statement = (
            update(broadcasts)
            .where(broadcasts.c.id == broadcast_id)
            .values(**values)
            .returning(*broadcasts.c)
        )
        return (await conn.execute(statement)).one()

    async def listed(
        self, conn: AsyncConnection, organisation_id: uuid.UUID, since: datetime
    ) -> Sequence[Row[Any]]:
        """The organisation's broadcasts not cancelled that start after `since`, or whose call is in
        progress, soonest first."""
        live = select(calls.c.chat_id).where(calls.c.kind == "broadcast", calls.c.ended_at.is_(None))
        query = (
            select(broadcasts)
            .where(
                broadcasts.c.organisation_id == organisation_id,
                broadcasts.c.cancelled_at.is_(None),
                (broadcasts.c.starts_at >= since) | broadcasts.c.id.in_(live),
            )
            .order_by(broadcasts.c.starts_at, broadcasts.c.id)
        )
        return (await conn.execute(query)).all()

    async def calls_in_progress(
        self, conn: AsyncConnection, broadcast_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, tuple[uuid.UUID, int]]:
        """broadcast id → (its call in progress, the number of distinct people in it)."""
        if not broadcast_ids:
            return {}
        query = (
            select(calls.c.chat_id, calls.c.id, func.count(func.distinct(call_sessions.c.user_id)))
            .select_from(
                calls.outerjoin(
                    call_sessions, (call_sessions.c.call_id == calls.c.id) & call_sessions.c.left_at.is_(None)
                )
            )
            .where(
                calls.c.kind == "broadcast", calls.c.ended_at.is_(None), calls.c.chat_id.in_(broadcast_ids)
            )
            .group_by(calls.c.chat_id, calls.c.id)
        )
        return {row[0]: (row[1], int(row[2])) for row in await conn.execute(query)}

    # --- questions ------------------------------------------------------------------------------
    async def insert_question(self, conn: AsyncConnection, **values: Any) -> Row[Any]:
        statement = broadcast_questions.insert().values(**values).returning(*broadcast_questions.c)
        return (await conn.execute(statement)).one()

    async def questions(
        self, conn: AsyncConnection, broadcast_id: uuid.UUID, *, author_id: uuid.UUID | None = None
    ) -> Sequence[Row[Any]]:
        """Visible questions, oldest first; only `author_id`'s when given."""
        query = select(broadcast_questions).where(
            broadcast_questions.c.broadcast_id == broadcast_id, broadcast_questions.c.hidden_at.is_(None)
        )
        if author_id is not None:
            query = query.where(broadcast_questions.c.author_id == author_id)
        query = query.order_by(broadcast_questions.c.asked_at, broadcast_questions.c.id)
        return (await conn.execute(query)).all()

    async def hide_question(
        self,
        conn: AsyncConnection,
        broadcast_id: uuid.UUID,
        question_id: uuid.UUID,
        by: uuid.UUID,
        at: datetime,
    ) -> Row[Any] | None:
        statement = (
            update(broadcast_questions)
            .where(
                broadcast_questions.c.id == question_id, broadcast_questions.c.broadcast_id == broadcast_id
            )
            .values(hidden_at=func.coalesce(broadcast_questions.c.hidden_at, at), hidden_by=by)
            .returning(*broadcast_questions.c)
        )
        return (await conn.execute(statement)).first()
