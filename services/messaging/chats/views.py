"""What a client sees of a message: the one assembler of a message's contract form, used by the calls'
replies (the api modules), the history and the live events (live.py).

A message's row gives its text; what other features add to it (its files, its poll, "seen by") comes
from parts that main passes in:
- a `MessagePart` adds its extras to a batch of stored messages of one chat, as one reader sees them
  or, with no reader, as everyone following the chat sees them live;
- a `PostPart` is what a new message carries beyond its text, checked before the post, stored in
  the post's transaction (`Messages.post`) and shown on the new message without a second look-up.
Both are declared in `parts.py`, with the `Views` the other features' apis ask of `MessageViews`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from parta.messaging.v1 import messaging_pb2 as pb
from services.common.db import Database
from services.messaging.chats.convert import message_pb
from services.messaging.chats.parts import MessagePart, Posted, PostPart, Reader


class MessageViews:
    """Messages as clients see them: the row, then each part's extras."""

    def __init__(self, db: Database, parts: Sequence[MessagePart]) -> None:
        self._db = db
        self._parts = list(parts)

    def posted(self, row: Row[Any], parts: Sequence[PostPart]) -> pb.ChatMessage:
        """A new message with what its post stored, without a look-up (the post path)."""
        message = message_pb(row)
        for part in parts:
            part.show(message)
        return message

    async def of(
        self, conn: AsyncConnection, reader: Reader | None, rows: Sequence[Row[Any]]
    ) -> list[pb.ChatMessage]:
        """Stored messages of one chat, in the caller's transaction."""
        messages = [message_pb(row) for row in rows]
        if any(not m.deleted for m in messages):
            for part in self._parts:
                await part.add(conn, reader, messages)
        return messages

    async def read(self, reader: Reader | None, rows: Sequence[Row[Any]]) -> list[pb.ChatMessage]:
        """Stored messages of one chat, read in a transaction of their own (tombstones need none)."""
        if all(row.deleted_at is not None for row in rows):
            return [message_pb(row) for row in rows]
        async with self._db.read("message_views") as conn:
            return await self.of(conn, reader, rows)

    async def shared(self, row: Row[Any]) -> pb.ChatMessage:
        """One stored message as everyone following its chat sees it."""
        return (await self.read(None, [row]))[0]

    async def of_posted(self, posted: Posted) -> pb.ChatMessage:
        """The reply to a send: the new message, or the one an earlier send stored."""
        if posted.parts is not None:
            return self.posted(posted.row, posted.parts)
        return await self.shared(posted.row)
