"""What a chat shows of its call (R-MEDIA-1): the `ChatCall` of a `chat_calls` row, and `CallPart`,
the part chats' api asks to put the call in progress on the chats it answers (GetChat, ListMyChats)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row

from parta.messaging.v1 import messaging_pb2 as pb
from services.common.convert import to_timestamp, uuid_or_none
from services.common.db import Database
from services.messaging.calls.store import CallStore


def chat_call_pb(row: Row[Any]) -> pb.ChatCall:
    return pb.ChatCall(
        id=str(row.call_id),
        started_at=to_timestamp(row.started_at),
        participant_count=max(0, int(row.participant_count)),
    )


class CallPart:
    """The call in progress of each chat of an answer (chats' `ChatPart`); a chat without one is
    left without `call`."""

    def __init__(self, db: Database, store: CallStore) -> None:
        self._db = db
        self._store = store

    async def add(self, chats: Sequence[pb.Chat]) -> None:
        ids = [chat_id for chat_id in (uuid_or_none(chat.id) for chat in chats) if chat_id is not None]
        if not ids:
            return
        async with self._db.transaction("chat_calls_in_progress") as conn:
            calls = await self._store.in_progress(conn, ids)
        for chat in chats:
            row = calls.get(uuid.UUID(chat.id)) if chat.id else None
            if row is not None:
                chat.call.CopyFrom(chat_call_pb(row))
