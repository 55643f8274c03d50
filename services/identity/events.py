"""What identity consumes: directory's membership events, kept as the `org_roles` read model
(who is an administrator where, R-ROLE-2), and a pending verification for a new staff member;
directory's parent links and claims, kept as `parent_relations` (who a parent is to which child,
R-ROLE-6, for the name fellow members see)."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncConnection

from parta.events.v1 import directory_pb2, envelope_pb2
from services.common.convert import role_name
from services.common.inbox import Subscription
from services.identity.store import IdentityStore
from services.identity.verification import VERIFIABLE_ROLES, RoleVerifications


def directory_subscription(store: IdentityStore, verifications: RoleVerifications) -> Subscription:
    subscription = Subscription(durable="identity-directory", publisher="directory")

    @subscription.on("directory.member.roles_changed")
    async def on_roles_changed(conn: AsyncConnection, envelope: envelope_pb2.EventEnvelope) -> None:
        event = directory_pb2.MemberRolesChanged()
        envelope.payload.Unpack(event)
        org, user = uuid.UUID(event.organisation_id), uuid.UUID(event.user_id)
        roles = sorted({role_name(role) for role in event.roles})
        applied = await store.apply_org_roles(
            conn, organisation_id=org, user_id=user, roles=roles, version=event.version
        )
        if applied:
            for role in VERIFIABLE_ROLES.intersection(roles):
                await verifications.ensure_pending(conn, user, org, role)

    @subscription.on("directory.parent.linked")
    async def on_parent_linked(conn: AsyncConnection, envelope: envelope_pb2.EventEnvelope) -> None:
        event = directory_pb2.ParentLinked()
        envelope.payload.Unpack(event)
        await store.apply_parent_relation(
            conn,
            organisation_id=uuid.UUID(event.organisation_id),
            parent_id=uuid.UUID(event.parent_id),
            child_id=uuid.UUID(event.child_id),
            relation=event.relation,
        )
        if event.claimed_first_name or event.claimed_last_name:
            await store.forget_parent_claim(
                conn,
                organisation_id=uuid.UUID(event.organisation_id),
                parent_id=uuid.UUID(event.parent_id),
                child_first_name=event.claimed_first_name,
                child_last_name=event.claimed_last_name,
            )

    @subscription.on("directory.parent.claimed")
    async def on_parent_claimed(conn: AsyncConnection, envelope: envelope_pb2.EventEnvelope) -> None:
        event = directory_pb2.ParentClaimed()
        envelope.payload.Unpack(event)
        await store.apply_parent_relation(
            conn,
            organisation_id=uuid.UUID(event.organisation_id),
            parent_id=uuid.UUID(event.parent_id),
            child_id=None,
            child_first_name=event.child_first_name,
            child_last_name=event.child_last_name,
            relation=event.relation,
        )

    return subscription
