"""Calls' SQL: calls (one in progress per chat, by the unique partial index `calls_in_progress`) and
their participant sessions. Every method takes the connection of the caller's transaction; nothing
here decides a rule."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.media.calls.tables import call_sessions, calls


class CallStore:
    async def call_in_progress(
        self, conn: AsyncConnection, chat_id: uuid.UUID, *, lock: bool = False
    ) -> Row[Any] | None:
        """The chat's call in progress; with `lock`, held (FOR UPDATE) until the transaction ends, so
        that a join and the last leave of the same call take turns."""
        query = select(calls).where(calls.c.chat_id == chat_id, calls.c.ended_at.is_(None))
        if lock:
            query = query.with_for_update()
        return (await conn.execute(query)).first()

    async def insert_call(self, conn: AsyncConnection, **values: Any) -> Row[Any] | None:
        """A new call in progress, or None when another transaction made the chat's call first (the
        caller then reads that one: under READ COMMITTED the conflict waits for it to commit)."""
        statement = (
            insert(calls)
            .values(**values)
            .on_conflict_do_nothing(index_elements=[calls.c.chat_id], index_where=calls.c.ended_at.is_(None))
            .returning(*calls.c)
        )
        return (await conn.execute(statement)).first()

    async def get_call(
        self, conn: AsyncConnection, call_id: uuid.UUID, *, lock: bool = False
    ) -> Row[Any] | None:
        query = select(calls).where(calls.c.id == call_id)
        if lock:
            query = query.with_for_update()
        return (await conn.execute(query)).first()

    async def end_call(self, conn: AsyncConnection, call_id: uuid.UUID, at: datetime) -> Row[Any]:
        statement = update(calls).where(calls.c.id == call_id).values(ended_at=at).returning(*calls.c)
        return (await conn.execute(statement)).one()

    async def insert_session(self, conn: AsyncConnection, **values: Any) -> Row[Any]:
        statement = call_sessions.insert().values(**values).returning(*call_sessions.c)
        return (await conn.execute(statement)).one()

    async def get_session(self, conn: AsyncConnection, session_id: uuid.UUID) -> Row[Any] | None:
        return (await conn.execute(select(call_sessions).where(call_sessions.c.id == session_id))).first()

    async def open_sessions(self, conn: AsyncConnection, call_id: uuid.UUID) -> Sequence[Row[Any]]:
        query = (
            select(call_sessions)
            .where(call_sessions.c.call_id == call_id, call_sessions.c.left_at.is_(None))
            .order_by(call_sessions.c.joined_at, call_sessions.c.id)
        )
        return (await conn.execute(query)).all()

    async def open_sessions_of(
        self, conn: AsyncConnection, call_id: uuid.UUID, user_id: uuid.UUID
    ) -> Sequence[Row[Any]]:
        query = select(call_sessions).where(
            call_sessions.c.call_id == call_id,
            call_sessions.c.user_id == user_id,
            call_sessions.c.left_at.is_(None),
        )
        return (await conn.execute(query)).all()

    async def all_sessions(self, conn: AsyncConnection, call_id: uuid.UUID) -> Sequence[Row[Any]]:
        return (await conn.execute(select(call_sessions).where(call_sessions.c.call_id == call_id))).all()

    async def leave(
        self, conn: AsyncConnection, session_ids: Sequence[uuid.UUID], reason: str, at: datetime
    ) -> Sequence[Row[Any]]:
        """Marks the sessions that are still open as left; returns those it marked."""
        if not session_ids:
            return []
        statement = (
            update(call_sessions)
            .where(call_sessions.c.id.in_(session_ids), call_sessions.c.left_at.is_(None))
            .values(left_at=at, left_reason=reason)
            .returning(*call_sessions.c)
        )
        return (await conn.execute(statement)).all()

    async def set_state(self, conn: AsyncConnection, session_id: uuid.UUID, **state: bool) -> Row[Any]:
        statement = (
            update(call_sessions)
            .where(call_sessions.c.id == session_id)
            .values(**state)
            .returning(*call_sessions.c)
        )
        return (await conn.execute(statement)).one()

    async def open_sessions_on(
        self, conn: AsyncConnection, sfu_address: str
    ) -> list[tuple[uuid.UUID, uuid.UUID]]:
        """(call id, session id) of every open session of the calls in progress held by the SFU at
        `sfu_address`."""
        query = (
            select(call_sessions.c.call_id, call_sessions.c.id)
            .join(calls, calls.c.id == call_sessions.c.call_id)
            .where(
                calls.c.sfu_address == sfu_address,
                calls.c.ended_at.is_(None),
                call_sessions.c.left_at.is_(None),
            )
        )
        return [(row.call_id, row.id) for row in await conn.execute(query)]

    async def open_session_count(self, conn: AsyncConnection, call_id: uuid.UUID) -> int:
        query = select(func.count()).where(
            call_sessions.c.call_id == call_id, call_sessions.c.left_at.is_(None)
        )
        return int(await conn.scalar(query) or 0)
