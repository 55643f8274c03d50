"""Live delivery: each new, edited or deleted message, and each removal of a member, goes out on core
NATS `parta.live.chat.<chat_id>` as a `LiveChatEvent` (R-CHAT-7); the gateways fan it out to their
WebSockets and drop a removed member's subscription at once. Not durable by design: a client that
reconnects catches up from history by sequence. Publishing happens after the commit, and a NATS
hiccup never fails the send (the message is already stored)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

from nats.aio.client import Client as NATS
from sqlalchemy import Row

from parta.messaging.v1 import messaging_pb2 as pb
from services.common.logging import get_logger
from services.messaging.chats.convert import attachment_pb, message_pb

log = get_logger(__name__)

LIVE_PREFIX = "parta.live.chat."
MESSAGE_POSTED = "message.posted"
MESSAGE_EDITED = "message.edited"
MESSAGE_DELETED = "message.deleted"
MEMBER_REMOVED = "member.removed"
MEMBER_JOINED = "member.joined"
READ = "read"


def live_subject(chat_id: str) -> str:
    return LIVE_PREFIX + chat_id


class LivePublisher:
    """Publishes live chat events; `connection` gives the current NATS client (opened later)."""

    def __init__(self, connection: Callable[[], NATS]) -> None:
        self._connection = connection
        # Fills what a message carries beyond its row (its attachments, attachments.py); set in main.
        self.decorate: Callable[[Sequence[pb.ChatMessage]], Awaitable[None]] | None = None

    async def publish(self, event: pb.LiveChatEvent) -> None:
        try:
            await self._connection().publish(live_subject(event.chat_id), event.SerializeToString())
        except Exception as error:
            log.warning(
                "live.publish_failed", chat_id=event.chat_id, error=str(error) or type(error).__name__
            )

    async def message(
        self, event_type: str, row: Row[Any], *, attachments: Sequence[Row[Any]] | None = None
    ) -> None:
        """The message as an event; `attachments` when the caller has them (a new post), otherwise
        they are looked up."""
        reply = message_pb(row)
        if attachments is not None:
            reply.attachments.extend(attachment_pb(a) for a in attachments)
        elif self.decorate is not None:
            try:
                await self.decorate([reply])
            except Exception as error:
                log.warning("live.decorate_failed", error=str(error) or type(error).__name__)
        await self.publish(pb.LiveChatEvent(chat_id=str(row.chat_id), type=event_type, message=reply))

    async def member_joined(self, chat_id: uuid.UUID | str, user_id: uuid.UUID | str) -> None:
        await self.publish(pb.LiveChatEvent(chat_id=str(chat_id), type=MEMBER_JOINED, user_id=str(user_id)))

    async def read(self, chat_id: uuid.UUID | str, user_id: uuid.UUID | str, last_read_seq: int) -> None:
        """The person's read mark moved: their other devices clear the unread count (R-CHAT-7)."""
        await self.publish(
            pb.LiveChatEvent(
                chat_id=str(chat_id), type=READ, user_id=str(user_id), last_read_seq=last_read_seq
            )
        )

    async def members_removed(self, removals: Iterable[tuple[uuid.UUID, uuid.UUID]]) -> None:
        """`member.removed` for each (chat, person): every gateway stops that person's delivery."""
        for chat_id, user_id in removals:
            await self.publish(
                pb.LiveChatEvent(chat_id=str(chat_id), type=MEMBER_REMOVED, user_id=str(user_id))
            )
