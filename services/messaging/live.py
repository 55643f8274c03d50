"""Live delivery: each new, edited or deleted message, and each removal of a member, goes out on core
NATS `parta.live.chat.<chat_id>` as a `LiveChatEvent` (R-CHAT-7); the gateways fan it out to their
WebSockets and drop a removed member's subscription at once. Not durable by design: a client that
reconnects catches up from history by sequence. Publishing happens after the commit, and a NATS
hiccup never fails the send (the message is already stored)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from typing import Any

from nats.aio.client import Client as NATS
from sqlalchemy import Row

from parta.messaging.v1 import messaging_pb2 as pb
from services.common.logging import get_logger
from services.messaging.convert import message_pb

log = get_logger(__name__)

LIVE_PREFIX = "parta.live.chat."
MESSAGE_POSTED = "message.posted"
MESSAGE_EDITED = "message.edited"
MESSAGE_DELETED = "message.deleted"
MEMBER_REMOVED = "member.removed"


def live_subject(chat_id: str) -> str:
    return LIVE_PREFIX + chat_id


class LivePublisher:
    """Publishes live chat events; `connection` gives the current NATS client (opened later)."""

    def __init__(self, connection: Callable[[], NATS]) -> None:
        self._connection = connection

    async def publish(self, event: pb.LiveChatEvent) -> None:
        try:
            await self._connection().publish(live_subject(event.chat_id), event.SerializeToString())
        except Exception as error:
            log.warning(
                "live.publish_failed", chat_id=event.chat_id, error=str(error) or type(error).__name__
            )

    async def message(self, event_type: str, row: Row[Any]) -> None:
        await self.publish(
            pb.LiveChatEvent(chat_id=str(row.chat_id), type=event_type, message=message_pb(row))
        )

    async def members_removed(self, removals: Iterable[tuple[uuid.UUID, uuid.UUID]]) -> None:
        """`member.removed` for each (chat, person): every gateway stops that person's delivery."""
        for chat_id, user_id in removals:
            await self.publish(
                pb.LiveChatEvent(chat_id=str(chat_id), type=MEMBER_REMOVED, user_id=str(user_id))
            )
