"""Requests to join by the organisation's join code (R-INV-3), decided by the administrator (the
class teacher for their class's students and parents).

Anyone signed in may ask, with the role they want: staff roles through the staff room, a student or
a parent through a class of that organisation. One pending request per person per organisation;
someone who already holds the role is told so. The administrator sees and decides every request; a
class teacher sees and decides the student and parent requests for their own classes (the
administrator's distribution, R-ROLE-4), nobody else's. Approval goes through `enrol()`, the one
way in (R-INV-5), in the same transaction as the decision; a decision is final.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from services.common.auth import Principal
from services.common.convert import parse_uuid
from services.common.db import Database
from services.common.errors import AlreadyExists, InvalidArgument, NotFound, PermissionDenied, RuleRefused
from services.directory.joining.notices import stage_join_request_created, stage_join_request_decided
from services.directory.joining.parts import Members, Organisations
from services.directory.joining.store import JoiningStore
from services.directory.membership.access import Access
from services.directory.membership.enrolment import (
    CLASS_JOIN_ROLES,
    STAFF_JOIN_ROLES,
    check_role_fits_class,
    enrol,
)
from services.directory.membership.kinship import ParentClaim

STATUSES = ("pending", "approved", "rejected")
MAX_MESSAGE = 1000
MAX_NAME = 100
MAX_REASON = 1000


@dataclass(frozen=True)
class JoinRequestForm:
    join_code: str
    role: str
    class_id: str
    message: str
    requester_name: str = ""
    # A parent's child and relation (R-ROLE-6); applied on approval.
    claim: ParentClaim | None = None


def check_requestable_role(role: str) -> None:
    """Only the roles people join with may be asked for; the administrator is appointed (R-ROLE-3)."""
    if role not in STAFF_JOIN_ROLES | CLASS_JOIN_ROLES:
        raise InvalidArgument(
            "Выберите роль: учитель, воспитатель, руководитель, администрация, ученик или родитель"
        )


def clean_requester_name(name: str) -> str:
    """The requester's profile name as shown to the administrator: one line, at most MAX_NAME."""
    return " ".join(name.split())[:MAX_NAME]


def clean_message(message: str) -> str:
    cleaned = message.strip()
    if len(cleaned) > MAX_MESSAGE:
        raise InvalidArgument(f"Сообщение к заявке — не больше {MAX_MESSAGE} символов")
    return cleaned


def clean_reason(reason: str, *, approve: bool) -> str:
    """A rejection names its reason: the person sees it."""
    cleaned = reason.strip()
    if not approve and not cleaned:
        raise InvalidArgument("Укажите причину отказа: автор заявки её увидит")
    if len(cleaned) > MAX_REASON:
        raise InvalidArgument(f"Причина — не больше {MAX_REASON} символов")
    return cleaned


def class_teacher_may_decide(role: str, class_id: uuid.UUID | None, taught: list[uuid.UUID]) -> bool:
    """A class teacher handles students and parents of their own classes, nothing else."""
    return role in CLASS_JOIN_ROLES and class_id is not None and class_id in taught


def claim_of(request: Row[Any]) -> ParentClaim | None:
    """The parent's claim a request carries, or None (R-ROLE-6)."""
    if not request.relation and request.child_id is None and not request.child_first_name:
        return None
    return ParentClaim(request.child_id, request.child_first_name, request.child_last_name, request.relation)


class JoinRequests:
    def __init__(
        self,
        db: Database,
        store: JoiningStore,
        members: Members,
        organisations: Organisations,
        access: Access,
    ) -> None:
        self._db = db
        self._store = store
        self._members = members
        self._organisations = organisations
        self._access = access

    async def create(self, principal: Principal, form: JoinRequestForm) -> Row[Any]:
        check_requestable_role(form.role)
        message = clean_message(form.message)
        code = form.join_code.strip()
        user_id = uuid.UUID(principal.user_id)
        async with self._db.transaction("create_join_request") as conn:
            organisation = await self._organisations.organisation_by_join_code(conn, code) if code else None
            if organisation is None:
                raise NotFound("Организация с таким кодом не найдена: проверьте код у администратора")
            class_id = await self._class_for(conn, organisation.id, form.role, form.class_id)
            roles = await self._access.roles(conn, organisation.id, principal.user_id)
            if form.role in roles:
                raise RuleRefused("У вас уже есть эта роль в организации", rule="R-INV-3")
            claim = form.claim if form.role == "parent" else None
            child = claim.child_id if claim is not None else None
            org_id = organisation.id
            if child is not None and await self._members.student_class(conn, org_id, child) != class_id:
                raise RuleRefused("Этот ученик не учится в этом классе", rule="R-ROLE-6")
            created = await self._store.insert_join_request(
                conn,
                organisation_id=organisation.id,
                user_id=user_id,
                role=form.role,
                class_id=class_id,
                message=message,
                requester_name=clean_requester_name(form.requester_name),
                child_id=claim.child_id if claim else None,
                child_first_name=claim.child_first_name if claim else "",
                child_last_name=claim.child_last_name if claim else "",
                relation=claim.relation if claim else "",
            )
            if created is not None:
                await stage_join_request_created(conn, self._members, created, principal.user_id)
        if created is None:
            raise AlreadyExists("Ваша заявка в эту организацию уже ждёт решения")
        return created

    async def _class_for(
        self, conn: AsyncConnection, organisation_id: uuid.UUID, role: str, class_id: str
    ) -> uuid.UUID:
        """Staff join through the staff room (the default); students and parents name their class."""
        if not class_id:
            if role in CLASS_JOIN_ROLES:
                raise InvalidArgument("Ученик и родитель указывают свой класс")
            staff_room = await self._organisations.staff_room(conn, organisation_id)
            if staff_room is None:
                raise NotFound("В организации нет «Учительской»")
            return uuid.UUID(str(staff_room.id))
        klass = await self._organisations.get_class(conn, parse_uuid(class_id, "класс"))
        if klass is None or klass.organisation_id != organisation_id:
            raise NotFound("Класс не найден")
        check_role_fits_class(role, klass.kind)
        return uuid.UUID(str(klass.id))

    async def decide(
        self, principal: Principal, organisation_id: str, request_id: str, *, approve: bool, reason: str
    ) -> Row[Any]:
        org_id = parse_uuid(organisation_id, "организация")
        req_id = parse_uuid(request_id, "заявка")
        cleaned = clean_reason(reason, approve=approve)
        async with self._db.transaction("decide_join_request") as conn:
            roles = await self._access.require_member_or_operator(conn, org_id, principal)
            request = await self._store.get_join_request(conn, req_id, for_update=True)
            if request is None or request.organisation_id != org_id:
                raise NotFound("Заявка не найдена")
            if "administrator" not in roles:
                taught = await self._class_teacher_classes(conn, org_id, principal, roles)
                if not class_teacher_may_decide(request.role, request.class_id, taught):
                    raise PermissionDenied("По этой заявке решает администратор", rule="R-INV-3")
            if request.status != "pending":
                raise RuleRefused("По этой заявке уже принято решение", rule="R-INV-3")
            if approve:
                await enrol(
                    self._members,
                    self._organisations,
                    conn,
                    organisation_id=org_id,
                    user_id=request.user_id,
                    role=request.role,
                    class_id=request.class_id,
                    actor=principal.user_id,
                    via="join_request",
                    claim=claim_of(request),
                )
            decided = await self._store.decide_join_request(
                conn,
                req_id,
                status="approved" if approve else "rejected",
                reason=cleaned,
                decided_by=uuid.UUID(principal.user_id),
            )
            await stage_join_request_decided(conn, self._organisations, decided, principal.user_id)
            return decided

    async def _class_teacher_classes(
        self, conn: AsyncConnection, organisation_id: uuid.UUID, principal: Principal, roles: frozenset[str]
    ) -> list[uuid.UUID]:
        """The caller's classes when they are a class teacher; PERMISSION_DENIED otherwise."""
        taught = await self._members.classes_led_by(conn, organisation_id, uuid.UUID(principal.user_id))
        if "class_teacher" not in roles and not taught:
            raise PermissionDenied(
                "Заявки на вступление рассматривают администратор и классные руководители",
                rule="R-INV-3",
            )
        return taught

    async def list(self, principal: Principal, organisation_id: str, status: str | None) -> list[Row[Any]]:
        org_id = parse_uuid(organisation_id, "организация")
        async with self._db.transaction("list_join_requests") as conn:
            roles = await self._access.require_member_or_operator(conn, org_id, principal)
            if "administrator" in roles:
                return list(await self._store.list_join_requests(conn, org_id, status=status))
            taught = await self._class_teacher_classes(conn, org_id, principal, roles)
            return list(
                await self._store.list_join_requests(
                    conn, org_id, status=status, class_ids=taught, roles=CLASS_JOIN_ROLES
                )
            )
