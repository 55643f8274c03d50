"""Calls' SQL: the `chat_calls` read model, kept from media's events in any order, and the calls in
progress of chats. Every method takes the connection of the caller's transaction.

Events of one call may arrive out of order (a redelivery, instances sharing the consumer), so each
write says in its WHERE what it may change: a call that ended stays ended (a late `participants`
or `started` does not bring it back), and a participants count older than the one kept is ignored.
A method returns the row when it changed something, None when the event changed nothing."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.common.upsert import excluded_of, upsert
from services.messaging.calls.tables import chat_calls


class CallStore:
    async def started(
        self,
        conn: AsyncConnection,
        *,
        call_id: uuid.UUID,
        chat_id: uuid.UUID,
        organisation_id: uuid.UUID,
        started_by: uuid.UUID | None,
        started_at: datetime,
    ) -> Row[Any] | None:
        """A new call, with the one who started it in it; or, when another event of it came first,
        who started it and when (an ended call keeps its end)."""
        statement = upsert(
            chat_calls,
            {
                "call_id": call_id,
                "chat_id": chat_id,
                "organisation_id": organisation_id,
                "started_by": started_by,
                "started_at": started_at,
                "participant_count": 1,
            },
            key=("call_id",),
            take=("started_by", "started_at"),
        )
        return (await conn.execute(statement.returning(*chat_calls.c))).first()

    async def participants(
        self,
        conn: AsyncConnection,
        *,
        call_id: uuid.UUID,
        chat_id: uuid.UUID,
        organisation_id: uuid.UUID,
        count: int,
        at: datetime,
    ) -> Row[Any] | None:
        """The number of people in the call at `at`; None when the call ended or a newer count is kept.
        Before `started` arrives the call is known from this event alone (started at `at`)."""
        excluded = excluded_of(chat_calls)
        statement = upsert(
            chat_calls,
            {
                "call_id": call_id,
                "chat_id": chat_id,
                "organisation_id": organisation_id,
                "started_at": at,
                "participant_count": count,
                "counted_at": at,
            },
            key=("call_id",),
            take=("participant_count", "counted_at"),
            where=and_(
                chat_calls.c.ended_at.is_(None),
                or_(chat_calls.c.counted_at.is_(None), chat_calls.c.counted_at <= excluded.counted_at),
            ),
        )
        return (await conn.execute(statement.returning(*chat_calls.c))).first()

    async def ended(
        self,
        conn: AsyncConnection,
        *,
        call_id: uuid.UUID,
        chat_id: uuid.UUID,
        organisation_id: uuid.UUID,
        started_at: datetime,
        ended_at: datetime,
    ) -> Row[Any] | None:
        """The call is over (for good); None when it was over already."""
        statement = upsert(
            chat_calls,
            {
                "call_id": call_id,
                "chat_id": chat_id,
                "organisation_id": organisation_id,
                "started_at": started_at,
                "participant_count": 0,
                "ended_at": ended_at,
            },
            key=("call_id",),
            take=("participant_count", "ended_at"),
            where=chat_calls.c.ended_at.is_(None),
        )
        return (await conn.execute(statement.returning(*chat_calls.c))).first()

    async def in_progress(
        self, conn: AsyncConnection, chat_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, Row[Any]]:
        """The call in progress of each of these chats that has one (the newest, should media's
        `ended` of an older one still be on its way)."""
        if not chat_ids:
            return {}
        rows = await conn.execute(
            select(chat_calls)
            .where(chat_calls.c.chat_id.in_(list(chat_ids)), chat_calls.c.ended_at.is_(None))
            .order_by(chat_calls.c.started_at)
        )
        return {row.chat_id: row for row in rows}  # the newest of a chat comes last and stays
