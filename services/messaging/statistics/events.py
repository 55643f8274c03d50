"""The consumers that keep the weekly statistics (R-STAT-1), each a durable consumer of its own so
that statistics never wait on (or hold up) the chats' read model:

- `messaging-statistics-directory` on `parta.directory.*`: organisations (name, time zone) and
  members' roles;
- `messaging-statistics` on messaging's own `parta.messaging.*`: messages, chats, joins;
- `messaging-statistics-media` on `parta.media.*`: finished calls and their minutes.

Each event runs once per consumer (the inbox's processed_events, in the handler's transaction), so a
redelivery counts nothing twice; instances of messaging share the durable consumers, so each event
is handled by one of them."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncConnection

from parta.events.v1 import directory_pb2, envelope_pb2, media_pb2, messaging_pb2
from services.common.convert import from_timestamp, role_name, uuid_or_none
from services.common.inbox import Subscription
from services.messaging.statistics.reports import StatisticsRecorder

DIRECTORY_DURABLE = "messaging-statistics-directory"
MESSAGING_DURABLE = "messaging-statistics"
MEDIA_DURABLE = "messaging-statistics-media"


def statistics_subscriptions(recorder: StatisticsRecorder) -> list[Subscription]:
    directory = Subscription(durable=DIRECTORY_DURABLE, publisher="directory")
    messaging = Subscription(durable=MESSAGING_DURABLE, publisher="messaging")
    media = Subscription(durable=MEDIA_DURABLE, publisher="media")

    @directory.on("directory.organisation.activated")
    async def on_activated(conn: AsyncConnection, envelope: envelope_pb2.EventEnvelope) -> None:
        event = directory_pb2.OrganisationActivated()
        envelope.payload.Unpack(event)
        await recorder.organisation(conn, uuid.UUID(event.organisation_id), event.name, event.time_zone)

    @directory.on("directory.organisation.updated")
    async def on_updated(conn: AsyncConnection, envelope: envelope_pb2.EventEnvelope) -> None:
        event = directory_pb2.OrganisationUpdated()
        envelope.payload.Unpack(event)
        await recorder.organisation(conn, uuid.UUID(event.organisation_id), event.name, event.time_zone)

    @directory.on("directory.member.roles_changed")
    async def on_roles_changed(conn: AsyncConnection, envelope: envelope_pb2.EventEnvelope) -> None:
        event = directory_pb2.MemberRolesChanged()
        envelope.payload.Unpack(event)
        await recorder.roles_changed(
            conn,
            uuid.UUID(event.organisation_id),
            uuid.UUID(event.user_id),
            [role_name(role) for role in event.roles],
            event.version,
            from_timestamp(envelope.occurred_at),
        )

    @messaging.on("messaging.message.posted")
    async def on_posted(conn: AsyncConnection, envelope: envelope_pb2.EventEnvelope) -> None:
        event = messaging_pb2.MessagePosted()
        envelope.payload.Unpack(event)
        author = uuid_or_none(event.author_id)
        if author is not None:
            await recorder.message_posted(
                conn, uuid.UUID(event.organisation_id), author, from_timestamp(envelope.occurred_at)
            )

    @messaging.on("messaging.chat.created")
    async def on_chat_created(conn: AsyncConnection, envelope: envelope_pb2.EventEnvelope) -> None:
        event = messaging_pb2.ChatCreated()
        envelope.payload.Unpack(event)
        await recorder.chat_created(
            conn,
            uuid.UUID(event.organisation_id),
            uuid_or_none(event.created_by),
            from_timestamp(envelope.occurred_at),
        )

    @messaging.on("messaging.member.joined")
    async def on_joined(conn: AsyncConnection, envelope: envelope_pb2.EventEnvelope) -> None:
        event = messaging_pb2.MemberJoinedChat()
        envelope.payload.Unpack(event)
        user = uuid_or_none(event.user_id)
        if user is not None:
            await recorder.member_joined(
                conn, uuid.UUID(event.organisation_id), user, from_timestamp(envelope.occurred_at)
            )

    @media.on("media.call.ended")
    async def on_call_ended(conn: AsyncConnection, envelope: envelope_pb2.EventEnvelope) -> None:
        event = media_pb2.CallEnded()
        envelope.payload.Unpack(event)
        participants = [u for u in (uuid_or_none(p) for p in event.participant_ids) if u is not None]
        await recorder.call_ended(
            conn,
            uuid.UUID(event.organisation_id),
            event.duration_seconds,
            participants,
            from_timestamp(envelope.occurred_at),
        )

    return [directory, messaging, media]
