"""Role verification (R-ROLE-2): staff join as "teacher" (or "educator" in a kindergarten) and the
organisation's administrator verifies the status; a verified member shows a badge.

Who is an administrator comes from a read model of directory's membership events
(`org_roles`), behind the small `OrgRoles` interface so the rule can be tested alone.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from parta.events.v1 import identity_pb2 as events
from services.common.convert import parse_uuid, role_name, role_value
from services.common.db import Database
from services.common.errors import InvalidArgument, NotFound, PermissionDenied, RuleRefused
from services.common.events import user_actor
from services.common.outbox import stage_event
from services.identity.store import IdentityStore

VERIFIABLE_ROLES = frozenset({"teacher", "educator"})
STATUSES = ("pending", "verified", "rejected")


class OrgRoles(Protocol):
    """Which roles a person holds in an organisation, as identity knows it."""

    async def roles_of(
        self, conn: AsyncConnection, organisation_id: uuid.UUID, user_id: uuid.UUID
    ) -> frozenset[str]: ...


class StoredOrgRoles:
    """The read model fed by `parta.directory.member.roles_changed`."""

    def __init__(self, store: IdentityStore) -> None:
        self._store = store

    async def roles_of(
        self, conn: AsyncConnection, organisation_id: uuid.UUID, user_id: uuid.UUID
    ) -> frozenset[str]:
        return await self._store.org_roles_of(conn, organisation_id, user_id)


def check_may_decide(decider_roles: frozenset[str]) -> None:
    if "administrator" not in decider_roles:
        raise PermissionDenied(
            "Подтвердить статус педагога может только администратор этой организации",
            rule="R-ROLE-2",
        )


class RoleVerifications:
    def __init__(self, db: Database, store: IdentityStore, org_roles: OrgRoles) -> None:
        self._db = db
        self._store = store
        self._org_roles = org_roles

    async def request(self, user_id: str, organisation_id: str, role: int) -> Row[Any]:
        """The member asks for their staff role to be verified; they must hold it already."""
        org = parse_uuid(organisation_id, "организация")
        name = role_name(role)
        if name not in VERIFIABLE_ROLES:
            raise InvalidArgument("Подтверждается только роль педагога или воспитателя", rule="R-ROLE-2")
        async with self._db.transaction("request_role_verification") as conn:
            if name not in await self._org_roles.roles_of(conn, org, uuid.UUID(user_id)):
                raise RuleRefused(
                    "Сначала вступите в организацию с этой ролью по приглашению", rule="R-ROLE-2"
                )
            return await self._store.ensure_pending_verification(
                conn, user_id=uuid.UUID(user_id), organisation_id=org, role=name
            )

    async def ensure_pending(
        self, conn: AsyncConnection, user_id: uuid.UUID, organisation_id: uuid.UUID, role: str
    ) -> None:
        """A member who gained a staff role gets a pending verification (from directory's event)."""
        await self._store.ensure_pending_verification(
            conn, user_id=user_id, organisation_id=organisation_id, role=role
        )

    async def decide(self, decider_id: str, verification_id: str, *, verified: bool, reason: str) -> Row[Any]:
        vid = parse_uuid(verification_id, "заявка на подтверждение")
        reason = reason.strip()
        if not verified and not reason:
            raise InvalidArgument("Укажите причину отказа в подтверждении статуса")
        now = datetime.now(UTC)
        async with self._db.transaction("decide_role_verification") as conn:
            row = await self._store.verification_for_update(conn, vid)
            if row is None:
                raise NotFound("Заявка на подтверждение статуса не найдена")
            decider_roles = await self._org_roles.roles_of(conn, row.organisation_id, uuid.UUID(decider_id))
            if not decider_roles:
                # Another organisation's people learn nothing about this one (R-ORG-1).
                raise NotFound("Заявка на подтверждение статуса не найдена")
            check_may_decide(decider_roles)
            decided = await self._store.decide_verification(
                conn,
                vid,
                status="verified" if verified else "rejected",
                decided_by=uuid.UUID(decider_id),
                reason=reason,
                now=now,
            )
            await stage_event(
                conn,
                "identity.role.verified" if verified else "identity.role.rejected",
                events.RoleVerificationDecided(
                    verification_id=str(vid),
                    user_id=str(row.user_id),
                    organisation_id=str(row.organisation_id),
                    role=role_value(row.role),
                    verified=verified,
                    decided_by=decider_id,
                    reason=reason,
                ),
                organisation_id=str(row.organisation_id),
                actor=user_actor(decider_id),
            )
        return decided

    async def list_in_org(self, viewer_id: str, organisation_id: str, status: str | None) -> list[Row[Any]]:
        org = parse_uuid(organisation_id, "организация")
        async with self._db.transaction("list_role_verifications") as conn:
            roles = await self._org_roles.roles_of(conn, org, uuid.UUID(viewer_id))
            if not roles:
                raise NotFound("Организация не найдена")
            check_may_decide(roles)
            return list(await self._store.verifications_in_org(conn, org, status))
