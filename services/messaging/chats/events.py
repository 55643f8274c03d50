"""Joins reach the live channel. A join (by itself, by accepting an invitation, by a chat link)
stages `messaging.member.joined` in its transaction; this durable consumer of messaging's own
stream publishes it as `member.joined` on the chat's live subject once its own transaction has
committed. The instances share the consumer, so each join goes out once."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from parta.events.v1 import envelope_pb2
from parta.events.v1 import messaging_pb2 as events
from services.common.inbox import AfterCommit, Subscription
from services.messaging.chats.live import LivePublisher


def live_membership_subscription(live: LivePublisher) -> Subscription:
    subscription = Subscription(durable="messaging-live", publisher="messaging")

    @subscription.on("messaging.member.joined")
    async def on_joined(conn: AsyncConnection, envelope: envelope_pb2.EventEnvelope) -> AfterCommit:
        event = events.MemberJoinedChat()
        envelope.payload.Unpack(event)
        return lambda: live.member_joined(event.chat_id, event.user_id)

    return subscription
