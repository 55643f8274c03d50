"""What directory consumes: identity's verification decisions (R-ROLE-2), kept for the badge shown
beside a verified teacher or educator in the members list; identity's profile updates, of which
only first and last name are kept (a parent picks their child by name, R-ROLE-6)."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncConnection

from parta.events.v1 import envelope_pb2
from parta.events.v1 import identity_pb2 as identity_events
from services.common.convert import role_name
from services.common.inbox import Subscription
from services.directory.membership.store import MembershipStore


def identity_subscription(store: MembershipStore) -> Subscription:
    subscription = Subscription(durable="directory-identity", publisher="identity")

    async def on_decided(conn: AsyncConnection, envelope: envelope_pb2.EventEnvelope) -> None:
        event = identity_events.RoleVerificationDecided()
        envelope.payload.Unpack(event)
        await store.set_role_verification(
            conn,
            uuid.UUID(event.organisation_id),
            uuid.UUID(event.user_id),
            role_name(event.role),
            event.verified,
        )

    subscription.on("identity.role.verified")(on_decided)
    subscription.on("identity.role.rejected")(on_decided)

    @subscription.on("identity.profile.updated")
    async def on_profile_updated(conn: AsyncConnection, envelope: envelope_pb2.EventEnvelope) -> None:
        event = identity_events.ProfileUpdated()
        envelope.payload.Unpack(event)
        await store.set_person_name(conn, uuid.UUID(event.user_id), event.first_name, event.last_name)

    return subscription
