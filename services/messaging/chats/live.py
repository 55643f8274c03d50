"""Live delivery: each new, edited or deleted message, and each removal of a member, goes out on core
NATS `parta.live.chat.<chat_id>` (services/common/live.py) as a `LiveChatEvent` whose `kind` is the
contract's `LiveEventKind` (R-CHAT-7); the gateways fan it out to their WebSockets and drop a removed
member's subscription at once. Not durable by design: a client that reconnects catches up from
history by sequence. Publishing happens after the commit, and a NATS hiccup never fails the send
(the message is already stored)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from nats.aio.client import Client as NATS
from sqlalchemy import Row

from parta.messaging.v1 import messaging_pb2 as pb
from services.common.live import chat_subject
from services.common.logging import get_logger
from services.messaging.chats.convert import message_pb
from services.messaging.chats.parts import (
    CALL_CHANGED,
    MEMBER_JOINED,
    MEMBER_REMOVED,
    MESSAGE_POSTED,
    READ,
    LiveKind,
    PostPart,
)
from services.messaging.chats.views import MessageViews

log = get_logger(__name__)


class LivePublisher:
    """Publishes live chat events; `connection` gives the current NATS client (opened later), `views`
    the message as everyone following the chat sees it (views.py)."""

    def __init__(self, connection: Callable[[], NATS], views: MessageViews) -> None:
        self._connection = connection
        self._views = views

    async def publish(self, event: pb.LiveChatEvent) -> None:
        try:
            await self._connection().publish(chat_subject(event.chat_id), event.SerializeToString())
        except Exception as error:
            log.warning(
                "live.publish_failed", chat_id=event.chat_id, error=str(error) or type(error).__name__
            )

    async def posted(self, row: Row[Any], parts: Sequence[PostPart]) -> None:
        """A new message with what its post stored (no look-up on the post path)."""
        message = self._views.posted(row, parts)
        await self.publish(pb.LiveChatEvent(chat_id=str(row.chat_id), kind=MESSAGE_POSTED, message=message))

    async def message(self, kind: LiveKind, row: Row[Any]) -> None:
        """A stored message as an event, with its extras looked up (views.py); should that fail, the
        message goes out without them."""
        try:
            message = await self._views.shared(row)
        except Exception as error:
            log.warning("live.decorate_failed", error=str(error) or type(error).__name__)
            message = message_pb(row)
        await self.publish(pb.LiveChatEvent(chat_id=str(row.chat_id), kind=kind, message=message))

    async def member_joined(self, chat_id: uuid.UUID | str, user_id: uuid.UUID | str) -> None:
        await self.publish(pb.LiveChatEvent(chat_id=str(chat_id), kind=MEMBER_JOINED, user_id=str(user_id)))

    async def read(self, chat_id: uuid.UUID | str, user_id: uuid.UUID | str, last_read_seq: int) -> None:
        """The person's read mark moved: their other devices clear the unread count (R-CHAT-7)."""
        await self.publish(
            pb.LiveChatEvent(
                chat_id=str(chat_id), kind=READ, user_id=str(user_id), last_read_seq=last_read_seq
            )
        )

    async def members_removed(self, removals: Iterable[tuple[uuid.UUID, uuid.UUID]]) -> None:
        """`member.removed` for each (chat, person): every gateway stops that person's delivery."""
        for chat_id, user_id in removals:
            await self.publish(
                pb.LiveChatEvent(chat_id=str(chat_id), kind=MEMBER_REMOVED, user_id=str(user_id))
            )

    async def call_changed(self, chat_id: uuid.UUID | str, call: pb.ChatCall | None) -> None:
        """The chat's call in progress (R-MEDIA-1), or none when it ended: its members see it live."""
        event = pb.LiveChatEvent(chat_id=str(chat_id), kind=CALL_CHANGED)
        if call is not None:
            event.call.CopyFrom(call)
        await self.publish(event)
