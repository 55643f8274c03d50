"""Members and their roles as others may see them (R-ROLE-1, R-PRIV-1), and the fast membership
check other services use to authorise."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row

from services.common.auth import Principal
from services.common.convert import parse_uuid
from services.common.db import Database
from services.common.errors import NotFound
from services.directory.membership.access import Access
from services.directory.membership.cache import MembershipCache
from services.directory.membership.store import MembershipStore


@dataclass(frozen=True)
class MemberView:
    """A member with the roles identity has verified (the badge, R-ROLE-2)."""

    membership: Row[Any]
    verified_roles: frozenset[str]


class Members:
    def __init__(self, db: Database, store: MembershipStore, access: Access, cache: MembershipCache) -> None:
        self._db = db
        self._store = store
        self._access = access
        self._cache = cache

    async def list(self, principal: Principal, organisation_id: str) -> list[MemberView]:
        org_id = parse_uuid(organisation_id, "организация")
        async with self._db.transaction("list_members") as conn:
            await self._access.require_staff(conn, org_id, principal)
            rows = await self._store.members(conn, org_id)
            verified = await self._store.verified_roles(conn, org_id)
        return [MemberView(row, frozenset(verified.get(row.user_id, set()) & set(row.roles))) for row in rows]

    async def roles_of(self, principal: Principal, organisation_id: str, user_id: str) -> frozenset[str]:
        """Roles of `user_id` (the caller when empty); staff may ask about anyone in their organisation."""
        org_id = parse_uuid(organisation_id, "организация")
        target = user_id or principal.user_id
        parse_uuid(target, "пользователь")
        own = self._cache.get(org_id, uuid.UUID(principal.user_id))
        if own is not None and target == principal.user_id:
            return own
        async with self._db.read("check_membership") as conn:
            own = await self._access.roles(conn, org_id, principal.user_id)
            self._cache.put(org_id, uuid.UUID(principal.user_id), own)
            if target == principal.user_id:
                return own
            if not own:
                raise NotFound("Организация не найдена")
            await self._access.require_staff(conn, org_id, principal)
            membership = await self._store.membership(conn, org_id, uuid.UUID(target))
        return frozenset(membership.roles) if membership is not None else frozenset()

    async def classes_of(
        self, principal: Principal, organisation_id: str, user_id: str
    ) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The class `user_id` (the caller when empty) studies in now, and the classes of their linked
        children (R-ROLE-5, R-ROLE-6) — asked after `roles_of` allowed the question."""
        org_id = parse_uuid(organisation_id, "организация")
        target = uuid.UUID(user_id or principal.user_id)
        async with self._db.read("member_classes") as conn:
            own = await self._store.student_class(conn, org_id, target)
            children = await self._store.children_of(conn, org_id, target)
            children_classes = {await self._store.student_class(conn, org_id, child) for child in children}
        return (
            (str(own),) if own is not None else (),
            tuple(sorted(str(class_id) for class_id in children_classes if class_id is not None)),
        )
