"""Who may see and do what in the directory — the visibility rules, enforced here and only here.

Each organisation is a closed space (R-ORG-1): to anyone who is not its member (and not operator
staff, where noted) it does not exist, so they get NOT_FOUND, never its data. R-PRIV-1: a person is
visible only inside the organisations they share.

The table of who sees what is in `services/directory/README.md` ("Visibility"); these
functions are where it is enforced.

Operator staff see organisations' details but not their members: the operator hosts schools, it
does not read their rosters.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncConnection

from services.common.auth import Principal
from services.common.errors import NotFound, PermissionDenied
from services.directory.membership.parts import Operators
from services.directory.membership.store import MembershipStore

STAFF_ROLES = frozenset({"administrator", "head", "administration", "teacher", "class_teacher", "educator"})
NOT_FOUND_MESSAGE = "Организация не найдена"


def is_staff(roles: frozenset[str]) -> bool:
    return bool(roles & STAFF_ROLES)


class Access:
    def __init__(self, store: MembershipStore, operators: Operators) -> None:
        self._store = store
        self._operators = operators

    async def is_operator(self, conn: AsyncConnection, principal: Principal) -> bool:
        return await self._operators.is_operator(conn, [principal.phone, principal.email])

    async def require_operator(self, conn: AsyncConnection, principal: Principal) -> None:
        if not await self.is_operator(conn, principal):
            raise PermissionDenied("Это могут только сотрудники оператора")

    async def roles(self, conn: AsyncConnection, organisation_id: uuid.UUID, user_id: str) -> frozenset[str]:
        membership = await self._store.membership(conn, organisation_id, uuid.UUID(user_id))
        return frozenset(membership.roles) if membership is not None else frozenset()

    async def require_member(
        self, conn: AsyncConnection, organisation_id: uuid.UUID, principal: Principal
    ) -> frozenset[str]:
        """The caller's roles; NOT_FOUND when they are not a member (the closed space, R-ORG-1)."""
        roles = await self.roles(conn, organisation_id, principal.user_id)
        if not roles:
            raise NotFound(NOT_FOUND_MESSAGE)
        return roles

    async def require_member_or_operator(
        self, conn: AsyncConnection, organisation_id: uuid.UUID, principal: Principal
    ) -> frozenset[str]:
        roles = await self.roles(conn, organisation_id, principal.user_id)
        if not roles and not await self.is_operator(conn, principal):
            raise NotFound(NOT_FOUND_MESSAGE)
        return roles

    async def require_admin(
        self, conn: AsyncConnection, organisation_id: uuid.UUID, principal: Principal
    ) -> None:
        roles = await self.require_member_or_operator(conn, organisation_id, principal)
        if "administrator" not in roles:
            raise PermissionDenied("Это может только администратор организации")

    async def require_staff(
        self, conn: AsyncConnection, organisation_id: uuid.UUID, principal: Principal
    ) -> frozenset[str]:
        roles = await self.require_member_or_operator(conn, organisation_id, principal)
        if not is_staff(roles):
            raise PermissionDenied("Список участников видят только сотрудники организации", rule="R-PRIV-1")
        return roles
