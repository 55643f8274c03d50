"""The notices' subscription to directory's events (durable `identity-notices`).

Each handler reads what it needs in the consumer's transaction (the processed-event row is written
in it, so a redelivered event is only acknowledged: one letter, not two) and returns the delivery,
which runs once that transaction has committed.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from nats.aio.client import Client as NATS
from sqlalchemy.ext.asyncio import AsyncConnection

from parta.events.v1 import directory_pb2, envelope_pb2
from services.common.inbox import AfterCommit, Subscription
from services.identity.destinations import Destination, Kind
from services.identity.notices import texts
from services.identity.notices.config import NoticeSettings
from services.identity.notices.delivery import NoticeDelivery, destination_of
from services.identity.notices.store import NoticeStore
from services.identity.senders import CodeSender

DURABLE = "identity-notices"


def identity_notices(nats_connection: Callable[[], NATS], sender: CodeSender) -> Subscription:
    """The subscription as identity's main wires it: its own store and settings, identity's NATS
    connection (open once the service runs) and senders."""
    delivery = NoticeDelivery(nats_connection, sender)
    return notices_subscription(NoticeStore(), delivery, NoticeSettings().public_url)


def notices_subscription(store: NoticeStore, delivery: NoticeDelivery, public_url: str) -> Subscription:
    subscription = Subscription(durable=DURABLE, publisher="directory")

    async def contact_of(conn: AsyncConnection, user_id: str) -> Destination | None:
        row = await store.contact(conn, uuid.UUID(user_id))
        return destination_of(row.phone, row.email, row.guardian_email) if row is not None else None

    @subscription.on("directory.application.decided")
    async def on_application(conn: AsyncConnection, envelope: envelope_pb2.EventEnvelope) -> AfterCommit:
        # R-ORG-2: the applicant is told at the application's own phone and e-mail.
        event = directory_pb2.ApplicationDecided()
        envelope.payload.Unpack(event)
        if event.approved:
            letter = texts.application_approved(
                event.organisation_name, event.admin_phone, event.admin_email, public_url
            )
        else:
            letter = texts.application_rejected(event.organisation_name, event.reason, public_url)
        destinations = [Destination(Kind.PHONE, event.admin_phone)] if event.admin_phone else []
        if event.admin_email:
            destinations.append(Destination(Kind.EMAIL, event.admin_email))

        async def send() -> None:
            for destination in destinations:
                await delivery.letter(destination, letter)

        return send

    @subscription.on("directory.join_request.decided")
    async def on_join_decided(conn: AsyncConnection, envelope: envelope_pb2.EventEnvelope) -> AfterCommit:
        # R-INV-3: the requester learns the decision (and a rejection's reason).
        event = directory_pb2.JoinRequestDecided()
        envelope.payload.Unpack(event)
        notice, letter = texts.join_request_decided(event, public_url)
        destination = await contact_of(conn, event.user_id)

        async def tell() -> None:
            await delivery.tell(event.user_id, destination, notice, letter)

        return tell

    @subscription.on("directory.support_request.answered")
    async def on_answered(conn: AsyncConnection, envelope: envelope_pb2.EventEnvelope) -> AfterCommit:
        # R-PRIV-4: the author reads the answer; they are told there is one.
        event = directory_pb2.SupportRequestAnswered()
        envelope.payload.Unpack(event)
        notice, letter = texts.support_answered(event, public_url)
        destination = await contact_of(conn, event.author_id)

        async def tell() -> None:
            await delivery.tell(event.author_id, destination, notice, letter)

        return tell

    @subscription.on("directory.join_request.created")
    async def on_join_created(conn: AsyncConnection, envelope: envelope_pb2.EventEnvelope) -> AfterCommit:
        # R-INV-3: the administrators decide, and the class teacher for their class's students and parents.
        event = directory_pb2.JoinRequestCreated()
        envelope.payload.Unpack(event)
        deciders = [
            str(u) for u in await store.holders_of(conn, uuid.UUID(event.organisation_id), "administrator")
        ]
        if event.class_teacher_id:
            deciders.append(event.class_teacher_id)
        notice = texts.new_join_request(event)

        async def announce() -> None:
            await delivery.announce([u for u in deciders if u != event.user_id], notice)

        return announce

    @subscription.on("directory.support_request.created")
    async def on_support_created(
        conn: AsyncConnection, envelope: envelope_pb2.EventEnvelope
    ) -> AfterCommit | None:
        # R-PRIV-4: a request to the administrator is read by the organisation's administrators. Operator
        # staff are known to directory by login, not by account: their console has no live count.
        event = directory_pb2.SupportRequestCreated()
        envelope.payload.Unpack(event)
        if event.addressee != "administrator":
            return None
        readers = [
            str(u) for u in await store.holders_of(conn, uuid.UUID(event.organisation_id), "administrator")
        ]
        notice = texts.new_support_request(event)

        async def announce() -> None:
            await delivery.announce([u for u in readers if u != event.author_id], notice)

        return announce

    return subscription
