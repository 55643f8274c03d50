"""Organisations as their members see them: the list of mine (where the administrator named in an
approved application becomes one, R-ORG-3), the details, and the administrator's edits (R-ORG-4)."""

from __future__ import annotations

import uuid

from parta.events.v1 import directory_pb2
from services.common.auth import Principal
from services.common.convert import parse_uuid
from services.common.db import Database
from services.common.errors import InvalidArgument, NotFound
from services.common.events import user_actor
from services.common.outbox import stage_event
from services.directory.membership.access import Access
from services.directory.membership.roles import set_member_roles
from services.directory.organisations.nomenclature import parse_https_url, parse_time_zone
from services.directory.organisations.parts import Members, MyOrganisation
from services.directory.organisations.store import OrganisationsStore


def clean_changes(changes: dict[str, str | None]) -> dict[str, str]:
    cleaned: dict[str, str] = {}
    for field in ("name", "address"):
        value = changes.get(field)
        if value is not None:
            value = " ".join(value.split())
            if not 2 <= len(value) <= 300:
                raise InvalidArgument(f"Поле {field}: от 2 до 300 символов")
            cleaned[field] = value
    if changes.get("time_zone") is not None:
        cleaned["time_zone"] = parse_time_zone(str(changes["time_zone"]))
    if changes.get("journal_url") is not None:
        cleaned["journal_url"] = parse_https_url(str(changes["journal_url"]))
    return cleaned


class Organisations:
    def __init__(self, db: Database, store: OrganisationsStore, members: Members, access: Access) -> None:
        self._db = db
        self._store = store
        self._members = members
        self._access = access

    async def is_operator(self, principal: Principal) -> bool:
        """Whether the caller is operator staff (by the phone or e-mail they proved)."""
        async with self._db.read("check_operator") as conn:
            return await self._access.is_operator(conn, principal)

    async def mine(self, principal: Principal) -> list[MyOrganisation]:
        user_id = uuid.UUID(principal.user_id)
        async with self._db.transaction("my_organisations") as conn:
            for organisation in await self._store.organisations_awaiting_admin(
                conn, phone=principal.phone, email=principal.email
            ):
                # R-ORG-3: the person named in the approved application signs in and is the administrator.
                current = await self._members.membership(conn, organisation.id, user_id, for_update=True)
                roles = set(current.roles) if current is not None else set()
                await set_member_roles(
                    self._members,
                    conn,
                    organisation_id=organisation.id,
                    user_id=user_id,
                    roles=roles | {"administrator"},
                    action="administrator_claimed",
                    actor=principal.user_id,
                )
                await self._store.clear_pending_admin(conn, organisation.id)
            rows = await self._store.organisations_of_user(conn, user_id)
        return [MyOrganisation(row, frozenset(row.roles)) for row in rows]

    async def get(self, principal: Principal, organisation_id: str) -> MyOrganisation:
        org_id = parse_uuid(organisation_id, "организация")
        async with self._db.transaction("get_organisation") as conn:
            roles = await self._access.require_member_or_operator(conn, org_id, principal)
            organisation = await self._store.get_organisation(conn, org_id)
        if organisation is None:
            raise NotFound("Организация не найдена")
        return MyOrganisation(organisation, roles)

    async def update(
        self, principal: Principal, organisation_id: str, changes: dict[str, str | None]
    ) -> MyOrganisation:
        org_id = parse_uuid(organisation_id, "организация")
        async with self._db.transaction("update_organisation") as conn:
            await self._access.require_admin(conn, org_id, principal)
            cleaned = clean_changes(changes)
            if cleaned:
                organisation = await self._store.update_organisation(conn, org_id, cleaned)
                await stage_event(
                    conn,
                    "directory.organisation.updated",
                    directory_pb2.OrganisationUpdated(
                        organisation_id=str(org_id),
                        name=organisation.name,
                        time_zone=organisation.time_zone,
                        journal_url=organisation.journal_url,
                    ),
                    organisation_id=str(org_id),
                    actor=user_actor(principal.user_id),
                )
        return await self.get(principal, organisation_id)
