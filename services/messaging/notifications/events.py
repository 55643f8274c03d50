"""What notifications consume, each through its own durable consumer (so several messaging instances
share the work and each event is handled once): messaging's own `message.posted` (the pushes), and
directory's organisation events (the time zone that quiet hours are read in)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from parta.events.v1 import directory_pb2, envelope_pb2
from parta.events.v1 import messaging_pb2 as messaging_events
from services.common.convert import uuid_or_none
from services.common.inbox import AfterCommit, Subscription
from services.messaging.notifications.delivery import Notifications


def push_subscription(notifications: Notifications) -> Subscription:
    subscription = Subscription(durable="messaging-notifications", publisher="messaging")

    @subscription.on("messaging.message.posted")
    async def on_posted(conn: AsyncConnection, envelope: envelope_pb2.EventEnvelope) -> AfterCommit | None:
        event = messaging_events.MessagePosted()
        envelope.payload.Unpack(event)
        chat, author = uuid_or_none(event.chat_id), uuid_or_none(event.author_id)
        if chat is None or author is None:
            return None
        return await notifications.message_posted(conn, chat, event.seq, author)

    return subscription


def organisation_subscription(notifications: Notifications) -> Subscription:
    subscription = Subscription(durable="messaging-notify-directory", publisher="directory")

    @subscription.on("directory.organisation.activated")
    async def on_activated(conn: AsyncConnection, envelope: envelope_pb2.EventEnvelope) -> None:
        event = directory_pb2.OrganisationActivated()
        envelope.payload.Unpack(event)
        org = uuid_or_none(event.organisation_id)
        if org is not None:
            await notifications.time_zone_changed(conn, org, event.time_zone)

    @subscription.on("directory.organisation.updated")
    async def on_updated(conn: AsyncConnection, envelope: envelope_pb2.EventEnvelope) -> None:
        event = directory_pb2.OrganisationUpdated()
        envelope.payload.Unpack(event)
        org = uuid_or_none(event.organisation_id)
        if org is not None and event.time_zone:
            await notifications.time_zone_changed(conn, org, event.time_zone)

    return subscription
