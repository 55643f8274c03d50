"""The organisation's structure (R-ORG-6): units and classes per academic year, named by the
nomenclature; the administrator builds it, every member may read it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row

from parta.events.v1 import directory_pb2
from services.common.auth import Principal
from services.common.convert import parse_uuid
from services.common.db import Database
from services.common.errors import AlreadyExists, InvalidArgument, NotFound
from services.common.events import user_actor
from services.common.outbox import stage_event
from services.directory.membership.access import Access
from services.directory.organisations.nomenclature import parse_class_name
from services.directory.organisations.parts import CLASS_KINDS, current_academic_year, parse_academic_year
from services.directory.organisations.store import OrganisationsStore


class Structure:
    def __init__(self, db: Database, store: OrganisationsStore, access: Access) -> None:
        self._db = db
        self._store = store
        self._access = access

    async def create_unit(self, principal: Principal, organisation_id: str, name: str) -> Row[Any]:
        org_id = parse_uuid(organisation_id, "организация")
        cleaned = " ".join(name.split())
        if not 2 <= len(cleaned) <= 100:
            raise InvalidArgument("Название подразделения: от 2 до 100 символов")
        async with self._db.transaction("create_unit") as conn:
            await self._access.require_admin(conn, org_id, principal)
            unit = await self._store.create_unit(conn, org_id, cleaned)
        if unit is None:
            raise AlreadyExists(f"Подразделение «{cleaned}» уже есть")
        return unit

    async def units(self, principal: Principal, organisation_id: str) -> list[Row[Any]]:
        org_id = parse_uuid(organisation_id, "организация")
        async with self._db.transaction("list_units") as conn:
            await self._access.require_member_or_operator(conn, org_id, principal)
            return list(await self._store.units(conn, org_id))

    async def create_class(
        self, principal: Principal, organisation_id: str, name: str, *, unit_id: str, academic_year: str
    ) -> Row[Any]:
        org_id = parse_uuid(organisation_id, "организация")
        async with self._db.transaction("create_class") as conn:
            await self._access.require_admin(conn, org_id, principal)
            organisation = await self._store.get_organisation(conn, org_id)
            if organisation is None:
                raise NotFound("Организация не найдена")
            parsed = parse_class_name(name, organisation.kind)
            year = (
                parse_academic_year(academic_year)
                if academic_year
                else current_academic_year(datetime.now(UTC), organisation.time_zone)
            )
            unit = None
            if unit_id:
                unit = await self._store.get_unit(conn, parse_uuid(unit_id, "подразделение"))
                if unit is None or unit.organisation_id != org_id:
                    raise NotFound("Подразделение не найдено")
            created = await self._store.create_class(
                conn,
                organisation_id=org_id,
                unit_id=unit.id if unit is not None else None,
                kind=parsed.kind,
                name=parsed.name,
                academic_year=year,
                grade=parsed.grade,
            )
            if created is None:
                raise AlreadyExists(f"Класс «{parsed.name}» на {year} учебный год уже есть")
            await stage_event(
                conn,
                "directory.class.created",
                directory_pb2.ClassCreated(
                    organisation_id=str(org_id),
                    class_id=str(created.id),
                    name=created.name,
                    academic_year=year,
                    kind=CLASS_KINDS.index(created.kind) + 1,
                ),
                organisation_id=str(org_id),
                actor=user_actor(principal.user_id),
            )
            return created

    async def classes(self, principal: Principal, organisation_id: str, academic_year: str) -> list[Row[Any]]:
        org_id = parse_uuid(organisation_id, "организация")
        year = parse_academic_year(academic_year) if academic_year else None
        async with self._db.transaction("list_classes") as conn:
            await self._access.require_member_or_operator(conn, org_id, principal)
            return list(await self._store.classes(conn, org_id, year))
