"""Organisations join by application (R-ORG-2), and operator staff approve or reject it.

Approval creates the organisation, active at once, with its staff room «Учительская» and the
`directory.organisation.activated` event from which messaging makes the system channels (R-ORG-5).
The administrator named in the application becomes one when they sign in with that phone (R-ORG-3).
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row

from parta.events.v1 import directory_pb2
from services.common.auth import Principal
from services.common.contacts import parse_email, parse_phone
from services.common.convert import parse_uuid
from services.common.db import Database
from services.common.errors import AlreadyExists, InvalidArgument, NotFound, RuleRefused
from services.common.events import user_actor
from services.common.outbox import stage_event
from services.directory.membership.access import Access
from services.directory.organisations.nomenclature import valid_tax_id
from services.directory.organisations.notices import stage_application_decided
from services.directory.organisations.parts import KINDS
from services.directory.organisations.store import OrganisationsStore

DOCUMENT_TYPES = {"application/pdf": b"%PDF", "image/jpeg": b"\xff\xd8\xff", "image/png": b"\x89PNG"}
STAFF_ROOM = "Учительская"
JOIN_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


@dataclass(frozen=True)
class ApplicationForm:
    kind: str
    name: str
    region: str
    address: str
    tax_id: str
    admin_full_name: str
    admin_email: str
    admin_phone: str
    document_name: str
    document_type: str
    document: bytes


def _text(value: str, what: str, field: str, *, low: int = 2, high: int = 300) -> str:
    cleaned = " ".join(value.split())
    if not low <= len(cleaned) <= high:
        raise InvalidArgument(f"Укажите {what} (от {low} до {high} символов)", rule="R-ORG-2", field=field)
    return cleaned


def validate_application(form: ApplicationForm, max_document_bytes: int) -> ApplicationForm:
    """Check every field of an application; the message names the field that is wrong."""
    if form.kind not in KINDS:
        raise InvalidArgument(
            "Укажите тип организации: школа, детский сад или доп. образование", rule="R-ORG-2", field="kind"
        )
    tax_id = form.tax_id.strip()
    if not valid_tax_id(tax_id):
        raise InvalidArgument(
            f"ИНН организации — 10 цифр с верной контрольной цифрой, а не «{tax_id}»",
            rule="R-ORG-2",
            field="tax_id",
        )
    if not form.document:
        raise InvalidArgument(
            "Приложите приказ о назначении администратора", rule="R-ORG-2", field="appointing_order"
        )
    if len(form.document) > max_document_bytes:
        raise InvalidArgument(
            f"Приказ больше {max_document_bytes // (1024 * 1024)} МБ", field="appointing_order"
        )
    magic = DOCUMENT_TYPES.get(form.document_type)
    if magic is None or not form.document.startswith(magic):
        raise InvalidArgument("Приказ принимается в PDF, JPEG или PNG", field="appointing_order")
    full_name = _text(form.admin_full_name, "ФИО администратора", "admin_full_name", low=5, high=150)
    if len(full_name.split()) < 2:
        raise InvalidArgument(
            "Укажите фамилию и имя (и отчество) администратора", rule="R-ORG-2", field="admin_full_name"
        )
    return ApplicationForm(
        kind=form.kind,
        name=_text(form.name, "название организации", "name"),
        region=_text(form.region, "регион", "region", high=120),
        address=_text(form.address, "адрес", "address", low=5),
        tax_id=tax_id,
        admin_full_name=full_name,
        admin_email=parse_email(form.admin_email, field="admin_email"),
        admin_phone=parse_phone(form.admin_phone, field="admin_phone"),
        document_name=_text(form.document_name or "приказ", "имя файла", "appointing_order", low=1, high=200),
        document_type=form.document_type,
        document=form.document,
    )


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(8))


class Applications:
    def __init__(
        self,
        db: Database,
        store: OrganisationsStore,
        access: Access,
        *,
        max_document_bytes: int,
        default_time_zone: str,
    ) -> None:
        self._db = db
        self._store = store
        self._access = access
        self._max_document_bytes = max_document_bytes
        self._default_time_zone = default_time_zone

    async def submit(self, principal: Principal, form: ApplicationForm) -> Row[Any]:
        valid = validate_application(form, self._max_document_bytes)
        async with self._db.transaction("submit_application") as conn:
            if await self._store.organisation_by_tax_id(conn, valid.tax_id) is not None:
                raise AlreadyExists("Организация с этим ИНН уже подключена к Парте")
            pending = await self._store.list_applications(conn, "pending")
            if any(row.tax_id == valid.tax_id for row in pending):
                raise AlreadyExists("Заявка этой организации уже ждёт решения оператора")
            return await self._store.insert_application(
                conn, submitted_by=uuid.UUID(principal.user_id), **valid.__dict__
            )

    async def list(self, principal: Principal, status: str | None) -> list[Row[Any]]:
        async with self._db.transaction("list_applications") as conn:
            await self._access.require_operator(conn, principal)
            return list(await self._store.list_applications(conn, status))

    async def get(self, principal: Principal, application_id: str) -> Row[Any]:
        """Operator staff, or the person who submitted it (to follow its status)."""
        app_id = parse_uuid(application_id, "заявка")
        async with self._db.transaction("get_application") as conn:
            row = await self._store.get_application(conn, app_id)
            if row is None or (
                str(row.submitted_by) != principal.user_id
                and not await self._access.is_operator(conn, principal)
            ):
                raise NotFound("Заявка не найдена")
            return row

    async def document(self, principal: Principal, application_id: str) -> Row[Any]:
        app_id = parse_uuid(application_id, "заявка")
        async with self._db.transaction("get_application_document") as conn:
            await self._access.require_operator(conn, principal)
            row = await self._store.application_document(conn, app_id)
        if row is None:
            raise NotFound("Заявка не найдена")
        return row

    async def approve(self, principal: Principal, application_id: str) -> Row[Any]:
        app_id = parse_uuid(application_id, "заявка")
        async with self._db.transaction("approve_application") as conn:
            await self._access.require_operator(conn, principal)
            application = await self._pending(conn, app_id)
            if await self._store.organisation_by_tax_id(conn, application.tax_id) is not None:
                raise AlreadyExists("Организация с этим ИНН уже подключена к Парте")
            organisation = await self._store.create_organisation(
                conn,
                kind=application.kind,
                name=application.name,
                region=application.region,
                address=application.address,
                tax_id=application.tax_id,
                time_zone=self._default_time_zone,
                join_code=new_join_code(),
                pending_admin_phone=application.admin_phone,
                pending_admin_email=application.admin_email,
            )
            staff_room = await self._store.create_class(
                conn, organisation_id=organisation.id, kind="staff_room", name=STAFF_ROOM, academic_year="*"
            )
            assert staff_room is not None
            await stage_event(
                conn,
                "directory.organisation.activated",
                directory_pb2.OrganisationActivated(
                    organisation_id=str(organisation.id),
                    name=organisation.name,
                    kind=KINDS.index(organisation.kind) + 1,
                    staff_room_id=str(staff_room.id),
                    time_zone=organisation.time_zone,
                ),
                organisation_id=str(organisation.id),
                actor=user_actor(principal.user_id),
            )
            await stage_application_decided(
                conn, application, organisation_id=str(organisation.id), reason="", actor=principal.user_id
            )
            return await self._store.decide_application(
                conn,
                app_id,
                status="approved",
                decided_by=uuid.UUID(principal.user_id),
                organisation_id=organisation.id,
            )

    async def reject(self, principal: Principal, application_id: str, reason: str) -> Row[Any]:
        app_id = parse_uuid(application_id, "заявка")
        if not reason.strip():
            raise InvalidArgument("Укажите причину отказа: заявитель её увидит")
        async with self._db.transaction("reject_application") as conn:
            await self._access.require_operator(conn, principal)
            application = await self._pending(conn, app_id)
            await stage_application_decided(
                conn, application, organisation_id="", reason=reason.strip(), actor=principal.user_id
            )
            return await self._store.decide_application(
                conn,
                app_id,
                status="rejected",
                reason=reason.strip(),
                decided_by=uuid.UUID(principal.user_id),
            )

    async def _pending(self, conn: Any, app_id: uuid.UUID) -> Row[Any]:
        application = await self._store.get_application(conn, app_id, for_update=True)
        if application is None:
            raise NotFound("Заявка не найдена")
        if application.status != "pending":
            raise RuleRefused("По этой заявке уже принято решение", rule="R-ORG-2")
        return application
