"""Support requests (R-PRIV-4) to the organisation's administrator and to the operator, with status.

Any member writes one, to their organisation's administrator or to the operator. Who reads them:
- the author, their own;
- the organisation's administrator, those addressed to the administrator there — not those to the
  operator, which may be about the administrator;
- operator staff, those addressed to the operator, in one organisation or across all of them.
The addressee (the administrator of that organisation, or operator staff) moves the status and
answers; the author reads the answer. To anyone else a request does not exist (NOT_FOUND).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from services.common.auth import Principal
from services.common.convert import parse_uuid
from services.common.db import Database
from services.common.errors import InvalidArgument, NotFound, PermissionDenied
from services.directory.membership.access import Access
from services.directory.support.notices import stage_support_request_answered, stage_support_request_created
from services.directory.support.parts import Organisations
from services.directory.support.store import SupportStore

ADDRESSEES = ("administrator", "operator")
STATUSES = ("open", "in_progress", "resolved")
NOT_FOUND_MESSAGE = "Обращение не найдено"


def check_addressee(addressee: str) -> str:
    if addressee not in ADDRESSEES:
        raise InvalidArgument("Обращение адресуется администратору или оператору", rule="R-PRIV-4")
    return addressee


def clean_subject(subject: str) -> str:
    cleaned = " ".join(subject.split())
    if not 2 <= len(cleaned) <= 200:
        raise InvalidArgument("Тема обращения — от 2 до 200 символов")
    return cleaned


def clean_text(text: str, what: str = "Текст обращения") -> str:
    cleaned = text.strip()
    if not 2 <= len(cleaned) <= 5000:
        raise InvalidArgument(f"{what} — от 2 до 5000 символов")
    return cleaned


def changes(status: str | None, answer: str | None) -> dict[str, str]:
    """What an update sets: a known status and/or a non-empty answer."""
    values: dict[str, str] = {}
    if status is not None:
        if status not in STATUSES:
            raise InvalidArgument("Статус: open, in_progress или resolved")
        values["status"] = status
    if answer is not None and answer.strip():
        values["answer"] = clean_text(answer, "Ответ")
    if not values:
        raise InvalidArgument("Укажите новый статус или ответ")
    return values


def is_addressee(addressee: str, roles: frozenset[str], operator: bool) -> bool:
    return (addressee == "administrator" and "administrator" in roles) or (
        addressee == "operator" and operator
    )


class Support:
    def __init__(
        self, db: Database, store: SupportStore, organisations: Organisations, access: Access
    ) -> None:
        self._db = db
        self._store = store
        self._organisations = organisations
        self._access = access

    async def create(
        self, principal: Principal, organisation_id: str, addressee: str, subject: str, text: str
    ) -> Row[Any]:
        org_id = parse_uuid(organisation_id, "организация")
        async with self._db.transaction("create_support_request") as conn:
            roles = await self._access.require_member_or_operator(conn, org_id, principal)
            if not roles:
                raise PermissionDenied("Обращения пишут участники организации", rule="R-PRIV-4")
            created = await self._store.insert_support_request(
                conn,
                organisation_id=org_id,
                author_id=uuid.UUID(principal.user_id),
                addressee=check_addressee(addressee),
                subject=clean_subject(subject),
                text=clean_text(text),
            )
            await stage_support_request_created(conn, created, principal.user_id)
            return created

    async def _operator_queue(
        self, conn: AsyncConnection, principal: Principal, addressee: str | None, status: str | None
    ) -> list[Row[Any]]:
        """Every organisation's requests to the operator: operator staff only."""
        await self._access.require_operator(conn, principal)
        if addressee not in (None, "operator"):
            raise InvalidArgument("Без организации доступны только обращения к оператору")
        return list(
            await self._store.list_support_requests(
                conn,
                organisation_id=None,
                visible_addressees=["operator"],
                author_id=None,
                addressee=None,
                status=status,
            )
        )

    async def update(
        self, principal: Principal, request_id: str, status: str | None, answer: str | None
    ) -> Row[Any]:
        req_id = parse_uuid(request_id, "обращение")
        values = changes(status, answer)
        async with self._db.transaction("update_support_request") as conn:
            request = await self._store.get_support_request(conn, req_id, for_update=True)
            if request is None:
                raise NotFound(NOT_FOUND_MESSAGE)
            roles = await self._access.roles(conn, request.organisation_id, principal.user_id)
            operator = await self._access.is_operator(conn, principal)
            if not is_addressee(request.addressee, roles, operator):
                if str(request.author_id) == principal.user_id:
                    raise PermissionDenied("Отвечает тот, кому адресовано обращение", rule="R-PRIV-4")
                raise NotFound(NOT_FOUND_MESSAGE)
            updated = await self._store.update_support_request(conn, req_id, values)
            if "answer" in values:
                await stage_support_request_answered(conn, self._organisations, updated, principal.user_id)
            return updated

    async def list(
        self, principal: Principal, organisation_id: str, addressee: str | None, status: str | None
    ) -> list[Row[Any]]:
        async with self._db.transaction("list_support_requests") as conn:
            if not organisation_id:
                return await self._operator_queue(conn, principal, addressee, status)
            org_id = parse_uuid(organisation_id, "организация")
            roles = await self._access.require_member_or_operator(conn, org_id, principal)
            operator = await self._access.is_operator(conn, principal)
            visible = [name for name in ADDRESSEES if is_addressee(name, roles, operator)]
            return list(
                await self._store.list_support_requests(
                    conn,
                    organisation_id=org_id,
                    visible_addressees=visible,
                    author_id=uuid.UUID(principal.user_id),
                    addressee=addressee,
                    status=status,
                )
            )
