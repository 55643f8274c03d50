"""What calls consume: media's call events, through the durable consumer `messaging-calls` of
`parta.media.*` (its own, so the chats' "call in progress" never waits on statistics, which read
`call.ended` through `messaging-statistics-media`):

- `media.call.started`: the chat has a call in progress (R-MEDIA-1);
- `media.call.participants`: how many people are in it now;
- `media.call.ended`: it is over.

Each event runs once (the inbox) and the store's writes are order-safe (store.py), so events of one
call arriving late, twice or out of order leave the right state. Whenever the state of a chat's call
changed, the chat's live subject gets a `CALL_CHANGED` event with the call in progress (or none),
after the commit. A broadcast's events (no chat) are not a chat's business and are skipped."""

from __future__ import annotations

import uuid
from typing import Protocol

from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp
from sqlalchemy.ext.asyncio import AsyncConnection

from parta.events.v1 import envelope_pb2, media_pb2
from parta.messaging.v1 import messaging_pb2 as pb
from services.common.convert import from_timestamp, uuid_or_none
from services.common.inbox import AfterCommit, Subscription
from services.messaging.calls.store import CallStore
from services.messaging.calls.views import chat_call_pb

DURABLE = "messaging-calls"


class CallLive(Protocol):
    """Live delivery of a chat's call (chats' `live.LivePublisher`), after the commit."""

    async def call_changed(self, chat_id: uuid.UUID, call: pb.ChatCall | None) -> None:
        """`CALL_CHANGED` on the chat's live subject: its call in progress, or None when none."""
        ...


def when(event: Message, name: str, envelope: envelope_pb2.EventEnvelope) -> Timestamp:
    """The event's moment `name`, or when the event happened should media have left it unset."""
    if event.HasField(name):
        moment: Timestamp = getattr(event, name)
        return moment
    return envelope.occurred_at


def calls_subscription(store: CallStore, live: CallLive) -> Subscription:
    subscription = Subscription(durable=DURABLE, publisher="media")

    async def now_shown(conn: AsyncConnection, chat_id: uuid.UUID) -> AfterCommit:
        """What the chat shows now, to be published once the transaction committed."""
        row = (await store.in_progress(conn, [chat_id])).get(chat_id)
        call = chat_call_pb(row) if row is not None else None
        return lambda: live.call_changed(chat_id, call)

    @subscription.on("media.call.started")
    async def on_started(conn: AsyncConnection, envelope: envelope_pb2.EventEnvelope) -> AfterCommit | None:
        event = media_pb2.CallStarted()
        envelope.payload.Unpack(event)
        call, chat = uuid_or_none(event.call_id), uuid_or_none(event.chat_id)
        organisation = uuid_or_none(event.organisation_id)
        if call is None or chat is None or organisation is None:
            return None
        changed = await store.started(
            conn,
            call_id=call,
            chat_id=chat,
            organisation_id=organisation,
            started_by=uuid_or_none(event.started_by),
            started_at=from_timestamp(
                event.started_at if event.HasField("started_at") else envelope.occurred_at
            ),
        )
        return await now_shown(conn, chat) if changed is not None else None

    @subscription.on("media.call.participants")
    async def on_participants(
        conn: AsyncConnection, envelope: envelope_pb2.EventEnvelope
    ) -> AfterCommit | None:
        event = media_pb2.CallParticipantsChanged()
        envelope.payload.Unpack(event)
        call, chat = uuid_or_none(event.call_id), uuid_or_none(event.chat_id)
        organisation = uuid_or_none(event.organisation_id)
        if call is None or chat is None or organisation is None:
            return None
        changed = await store.participants(
            conn,
            call_id=call,
            chat_id=chat,
            organisation_id=organisation,
            count=event.participant_count,
            at=from_timestamp(envelope.occurred_at),
        )
        return await now_shown(conn, chat) if changed is not None else None

    @subscription.on("media.call.ended")
    async def on_ended(conn: AsyncConnection, envelope: envelope_pb2.EventEnvelope) -> AfterCommit | None:
        event = media_pb2.CallEnded()
        envelope.payload.Unpack(event)
        call, chat = uuid_or_none(event.call_id), uuid_or_none(event.chat_id)
        organisation = uuid_or_none(event.organisation_id)
        if call is None or chat is None or organisation is None:
            return None
        ended_at = from_timestamp(when(event, "ended_at", envelope))
        changed = await store.ended(
            conn,
            call_id=call,
            chat_id=chat,
            organisation_id=organisation,
            started_at=from_timestamp(event.started_at) if event.HasField("started_at") else ended_at,
            ended_at=ended_at,
        )
        return await now_shown(conn, chat) if changed is not None else None

    return subscription
