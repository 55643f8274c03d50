"""What calls consumes from NATS: messaging's word that a chat changed under a call in progress
(durable consumer `media-calls-messaging` on `parta.messaging.*`), so that a call follows who may
read the chat now (R-MEDIA-3) between the checks made at each join and offer:

- `messaging.member.removed` (left the chat, removed by a moderator): their sessions leave the call
  (ACCESS_LOST);
- `messaging.moderation.recorded` with a block or a lifted block (R-MOD-3, R-MOD-4): their sessions
  become listen-only, or may publish again.

The work runs after the inbox's transaction commits (the SFU and the pages are told outside it); it
is idempotent, so a redelivery changes nothing."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from parta.events.v1 import envelope_pb2, messaging_pb2
from services.common.inbox import AfterCommit, Subscription
from services.media.calls.participation import Calls

DURABLE = "media-calls-messaging"
# As messaging's moderation names them in its audit log (ModerationRecorded.action).
MEMBER_BLOCKED = "member.blocked"
BLOCK_LIFTED = "block.lifted"


def chat_changes_subscription(calls: Calls) -> Subscription:
    messaging = Subscription(durable=DURABLE, publisher="messaging")

    @messaging.on("messaging.member.removed")
    async def on_removed(conn: AsyncConnection, envelope: envelope_pb2.EventEnvelope) -> AfterCommit:
        event = messaging_pb2.MemberRemovedFromChat()
        envelope.payload.Unpack(event)

        async def leave() -> None:
            await calls.access_lost(event.chat_id, event.user_id)

        return leave

    @messaging.on("messaging.moderation.recorded")
    async def on_moderation(
        conn: AsyncConnection, envelope: envelope_pb2.EventEnvelope
    ) -> AfterCommit | None:
        event = messaging_pb2.ModerationRecorded()
        envelope.payload.Unpack(event)
        if event.action not in (MEMBER_BLOCKED, BLOCK_LIFTED):
            return None

        async def change() -> None:
            await calls.publishing_changed(
                event.chat_id, event.target_user_id, may_publish=event.action == BLOCK_LIFTED
            )

        return change

    return messaging
