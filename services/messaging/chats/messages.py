"""Messages (R-CHAT-3, R-CHAT-7; text only in this slice): per-chat sequence numbers with no gaps,
replies, edit and delete of one's own messages (a tombstone stays), history by sequence, read state."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from parta.events.v1 import messaging_pb2 as events
from services.common.auth import Principal
from services.common.convert import parse_uuid
from services.common.db import Database
from services.common.errors import InvalidArgument, NotFound, PermissionDenied
from services.common.events import user_actor
from services.common.outbox import stage_event
from services.messaging.chats.access import Access
from services.messaging.chats.live import LivePublisher
from services.messaging.chats.parts import MESSAGE_DELETED, MESSAGE_EDITED, ChatAccess, Posted, PostPart
from services.messaging.chats.rules import check_text, page_limit
from services.messaging.chats.store import MessageStore

MESSAGE_NOT_FOUND = "Сообщение не найдено"

# Whether message `seq` of a chat is one whose text its author may no longer rewrite (a poll's question:
# votes were cast on it); main passes `polls.store.PollStore.has_poll`.
Frozen = Callable[[AsyncConnection, uuid.UUID, int], Awaitable[bool]]


@dataclass(frozen=True)
class Page:
    messages: list[Row[Any]]
    has_more: bool
    # The caller in the chat: whose view of the page's extras (views.py).
    reader: ChatAccess


@dataclass(frozen=True)
class ReadMark:
    chat_id: uuid.UUID
    last_read_seq: int
    unread: int


class Messages:
    def __init__(
        self,
        db: Database,
        store: MessageStore,
        access: Access,
        live: LivePublisher,
        *,
        frozen: Frozen,
    ) -> None:
        self._db = db
        self._frozen = frozen
        self._store = store
        self._access = access
        self._live = live

    async def post(
        self,
        principal: Principal,
        chat_id: str,
        text: str,
        reply_to_seq: int,
        *,
        parts: Sequence[PostPart] = (),
        client_id: str = "",
    ) -> Posted:
        """Post a message with `parts` (its files, its poll: checked by their features before) stored
        in the same transaction; the live event carries them. With a part that is content of its own
        (files) the text may be empty. With `client_id` (the id the sender's client gave the message)
        a retried send returns the message stored the first time instead of storing it again."""
        if any(part.content for part in parts) and not text.strip():
            text = ""
        else:
            check_text(text)
        client = parse_uuid(client_id, "client_id") if client_id else None
        try:
            return await self._post(principal, chat_id, text, reply_to_seq, parts, client)
        except IntegrityError:
            # The same send, retried while the first was still being stored: that one won.
            if client is None:
                raise
            async with self._db.transaction("post_message_again") as conn:
                access = await self._access.chat_access(conn, chat_id, principal)
                stored = await self._already_posted(conn, access, client)
            if stored is None:
                raise
            return stored

    async def _already_posted(
        self, conn: AsyncConnection, access: ChatAccess, client: uuid.UUID
    ) -> Posted | None:
        row = await self._store.message_by_client_id(conn, access.chat.id, access.person.user_id, client)
        return Posted(row, access, None) if row is not None else None

    async def _post(
        self,
        principal: Principal,
        chat_id: str,
        text: str,
        reply_to_seq: int,
        parts: Sequence[PostPart],
        client: uuid.UUID | None,
    ) -> Posted:
        async with self._db.transaction("post_message") as conn:
            access = await self._access.chat_access(conn, chat_id, principal)
            if client is not None:
                stored = await self._already_posted(conn, access, client)
                if stored is not None:
                    return stored  # R-CHAT-3: one message, however often its send is retried
            access.require_may_post()
            chat = access.chat
            if reply_to_seq < 0 or (
                reply_to_seq and await self._store.get_message(conn, chat.id, reply_to_seq) is None
            ):
                raise InvalidArgument("Нет сообщения, на которое вы отвечаете")
            row = await self._store.post_message(
                conn,
                chat_id=chat.id,
                author_id=access.person.user_id,
                text=text,
                reply_to_seq=reply_to_seq or None,
                client_id=client,
            )
            seq = int(row.seq)
            for part in parts:
                await part.store(conn, access, row)
            await stage_event(
                conn,
                "messaging.message.posted",
                events.MessagePosted(
                    organisation_id=str(chat.organisation_id),
                    chat_id=str(chat.id),
                    seq=seq,
                    author_id=principal.user_id,
                ),
                organisation_id=str(chat.organisation_id),
                actor=user_actor(principal.user_id),
            )
        await self._live.posted(row, parts)
        return Posted(row, access, parts)

    async def _own(self, principal: Principal, chat_id: str, seq: int, *, edit: str | None) -> Row[Any]:
        async with self._db.transaction("edit_message" if edit is not None else "delete_message") as conn:
            access = await self._access.chat_access(conn, chat_id, principal)
            access.require_member()
            row = await self._store.get_message(conn, access.chat.id, seq, for_update=True)
            if row is None:
                raise NotFound(MESSAGE_NOT_FOUND)
            if row.author_id != access.person.user_id:
                raise PermissionDenied("Изменять и удалять можно только свои сообщения")
            if edit is None:
                if row.deleted_at is not None:
                    return row
                row = await self._store.delete_message(conn, access.chat.id, seq)
            else:
                if row.deleted_at is not None:
                    raise NotFound(MESSAGE_NOT_FOUND)
                if await self._frozen(conn, access.chat.id, seq):
                    # R-CHAT-3: votes were cast on this question; it is not rewritten under them.
                    raise InvalidArgument("Вопрос опроса не изменяется после публикации")
                access.require_not_blocked()
                row = await self._store.edit_message(conn, access.chat.id, seq, edit)
        await self._live.message(MESSAGE_EDITED if edit is not None else MESSAGE_DELETED, row)
        return row

    async def edit(self, principal: Principal, chat_id: str, seq: int, text: str) -> Row[Any]:
        return await self._own(principal, chat_id, seq, edit=check_text(text))

    async def delete(self, principal: Principal, chat_id: str, seq: int) -> Row[Any]:
        return await self._own(principal, chat_id, seq, edit=None)

    async def history(self, principal: Principal, chat_id: str, before: int, after: int, limit: int) -> Page:
        if before and after:
            raise InvalidArgument("Укажите before или after, не оба")
        if before < 0 or after < 0:
            raise InvalidArgument("before и after — номера сообщений")
        count = page_limit(limit)
        async with self._db.read("chat_history") as conn:
            access = await self._access.chat_access(conn, chat_id, principal)
            access.require_member()
            rows, has_more = await self._store.history(
                conn, access.chat.id, before=before, after=after, limit=count
            )
        return Page(rows, has_more, access)

    async def mark_read(self, principal: Principal, chat_id: str, seq: int) -> ReadMark:
        if seq < 0:
            raise InvalidArgument("seq — номер сообщения")
        async with self._db.transaction("mark_read") as conn:
            access = await self._access.chat_access(conn, chat_id, principal)
            access.require_member()
            chat = access.chat
            last_read = await self._store.mark_read(
                conn, chat.id, access.person.user_id, min(seq, chat.last_seq)
            )
        await self._live.read(chat.id, access.person.user_id, last_read)
        return ReadMark(chat.id, last_read, max(0, int(chat.last_seq) - last_read))
