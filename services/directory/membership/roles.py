"""Changing a member's roles, always with its history row and its `directory.member.roles_changed`
event (the whole role set and a version), in the caller's transaction."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncConnection

from parta.events.v1 import directory_pb2
from services.common.convert import ordered_roles, role_value
from services.common.events import service_actor, user_actor
from services.common.outbox import stage_event


class RoleStore(Protocol):
    """What changing roles writes: the role set and its history row."""

    async def set_roles(
        self, conn: AsyncConnection, organisation_id: uuid.UUID, user_id: uuid.UUID, roles: list[str]
    ) -> int: ...

    async def add_history(
        self,
        conn: AsyncConnection,
        *,
        organisation_id: uuid.UUID,
        user_id: uuid.UUID,
        action: str,
        actor: uuid.UUID | None,
        details: dict[str, Any] | None = None,
    ) -> None: ...


async def set_member_roles(
    store: RoleStore,
    conn: AsyncConnection,
    *,
    organisation_id: uuid.UUID,
    user_id: uuid.UUID,
    roles: Iterable[str],
    action: str,
    actor: str | None,
    details: dict[str, Any] | None = None,
) -> list[str]:
    role_list = ordered_roles(roles)
    version = await store.set_roles(conn, organisation_id, user_id, role_list)
    await store.add_history(
        conn,
        organisation_id=organisation_id,
        user_id=user_id,
        action=action,
        actor=uuid.UUID(actor) if actor else None,
        details={"roles": role_list, **(details or {})},
    )
    await stage_event(
        conn,
        "directory.member.roles_changed",
        directory_pb2.MemberRolesChanged(
            organisation_id=str(organisation_id),
            user_id=str(user_id),
            roles=[role_value(role) for role in role_list],
            version=version,
        ),
        organisation_id=str(organisation_id),
        actor=user_actor(actor) if actor else service_actor("directory"),
    )
    return role_list
