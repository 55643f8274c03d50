"""What a client sees of a message: the one assembler of a message's contract form, used by the calls'
replies (the api modules), the history and the live events (live.py).

A message's row gives its text; what other features add to it (its files, its poll, "seen by") comes
from parts that main passes in:
- a `MessagePart` adds its extras to a batch of stored messages of one chat, as one reader sees them
  or, with no reader, as everyone following the chat sees them live;
- a `PostPart` is what a new message carries beyond its text, checked before the post, stored in
  the post's transaction (`Messages.post`) and shown on the new message without a second look-up."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from parta.messaging.v1 import messaging_pb2 as pb
from services.common.db import Database
from services.messaging.chats.access import ChatAccess
from services.messaging.chats.convert import message_pb
from services.messaging.readmodel.people import Person


class Reader(Protocol):
    """Who reads the messages: the chat and the person as the rules look at them."""

    @property
    def chat(self) -> Row[Any]: ...

    @property
    def person(self) -> Person: ...


class MessagePart(Protocol):
    """Extras of stored messages (attachments/views.py, polls/views.py)."""

    async def add(
        self, conn: AsyncConnection, reader: Reader | None, messages: Sequence[pb.ChatMessage]
    ) -> None:
        """Give these messages of one chat this part's extras, as `reader` sees them; None: as
        everyone following the chat sees them (no one's own choices or rights)."""
        ...


class PostPart(Protocol):
    """What a new message carries beyond its text (its files, its poll)."""

    # The part is content of its own, so the message's text may be empty (files).
    content: bool

    async def store(self, conn: AsyncConnection, access: ChatAccess, message: Row[Any]) -> None:
        """Store the part in the post's transaction, once the message row exists."""
        ...

    def show(self, message: pb.ChatMessage) -> None:
        """Fill what `store` stored into the new message as everyone sees it."""
        ...


@dataclass(frozen=True)
class Posted:
    """A message a send stored; `parts` None when an earlier send of it stored it (a retry)."""

    row: Row[Any]
    access: ChatAccess
    parts: Sequence[PostPart] | None


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
