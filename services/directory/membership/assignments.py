"""Appointing administrators from joined staff (R-ROLE-3), class teachers and subject teachers (R-ROLE-4).

All four are the administrator's. A class has one class teacher: reassigning replaces the previous
one, who keeps the "class_teacher" role only while they still lead some class. A (class, subject)
pair has one subject teacher."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from parta.events.v1 import directory_pb2
from services.common.auth import Principal
from services.common.convert import parse_uuid
from services.common.db import Database
from services.common.errors import InvalidArgument, NotFound, RuleRefused
from services.common.events import user_actor
from services.common.outbox import stage_event
from services.directory.membership.access import Access, is_staff
from services.directory.membership.parts import Classes
from services.directory.membership.roles import set_member_roles
from services.directory.membership.store import MembershipStore

CLASS_TEACHER_FROM = frozenset({"teacher", "educator"})


@dataclass(frozen=True)
class AppointedMember:
    membership: Row[Any]
    verified_roles: frozenset[str]


def clean_subject(subject: str) -> str:
    cleaned = " ".join(subject.split())
    if not 2 <= len(cleaned) <= 64:
        raise InvalidArgument("Название предмета: от 2 до 64 символов")
    return cleaned


def check_may_appoint_administrator(roles: frozenset[str]) -> None:
    """R-ROLE-3: only from staff who have already joined."""
    if not is_staff(roles):
        raise RuleRefused(
            "Администратором можно назначить только сотрудника, уже вступившего в организацию",
            rule="R-ROLE-3",
        )


def check_may_lead_class(roles: frozenset[str]) -> None:
    """R-ROLE-4: a class teacher is a teacher (or an educator in a kindergarten)."""
    if not roles & CLASS_TEACHER_FROM:
        raise RuleRefused("Классным руководителем назначают учителя или воспитателя", rule="R-ROLE-4")


def check_may_teach_subject(roles: frozenset[str]) -> None:
    if "teacher" not in roles:
        raise RuleRefused("Предмет в классе ведёт учитель", rule="R-ROLE-4")


class Assignments:
    def __init__(self, db: Database, store: MembershipStore, classes: Classes, access: Access) -> None:
        self._db = db
        self._store = store
        self._classes = classes
        self._access = access

    async def appoint_administrator(
        self, principal: Principal, organisation_id: str, user_id: str
    ) -> AppointedMember:
        org_id = parse_uuid(organisation_id, "организация")
        target = parse_uuid(user_id, "пользователь")
        async with self._db.transaction("appoint_administrator") as conn:
            await self._access.require_admin(conn, org_id, principal)
            roles = await self._roles_for_update(conn, org_id, target)
            check_may_appoint_administrator(roles)
            if "administrator" not in roles:
                await set_member_roles(
                    self._store,
                    conn,
                    organisation_id=org_id,
                    user_id=target,
                    roles=roles | {"administrator"},
                    action="administrator_appointed",
                    actor=principal.user_id,
                )
            membership = await self._store.membership(conn, org_id, target)
            verified = await self._store.verified_roles(conn, org_id)
        assert membership is not None
        return AppointedMember(membership, frozenset(verified.get(target, set()) & set(membership.roles)))

    async def assign_class_teacher(
        self, principal: Principal, organisation_id: str, class_id: str, user_id: str
    ) -> Row[Any]:
        """R-ROLE-4: one class teacher per class; the previous one is replaced."""
        org_id = parse_uuid(organisation_id, "организация")
        target = parse_uuid(user_id, "пользователь")
        async with self._db.transaction("assign_class_teacher") as conn:
            await self._access.require_admin(conn, org_id, principal)
            klass = await self._teaching_class(conn, org_id, class_id)
            roles = await self._roles_for_update(conn, org_id, target)
            check_may_lead_class(roles)
            previous = await self._store.set_class_teacher(conn, org_id, klass.id, target)
            if previous == target:
                return klass
            await self._give_class_teacher_role(conn, org_id, target, roles, principal.user_id)
            if previous is not None:
                await self._drop_class_teacher_role(conn, org_id, previous, principal.user_id)
            await stage_event(
                conn,
                "directory.class.teacher_assigned",
                directory_pb2.ClassTeacherAssigned(
                    organisation_id=str(org_id), class_id=str(klass.id), user_id=str(target)
                ),
                organisation_id=str(org_id),
                actor=user_actor(principal.user_id),
            )
            return klass

    async def assign_subject_teacher(
        self, principal: Principal, organisation_id: str, class_id: str, subject: str, user_id: str
    ) -> Row[Any]:
        """R-ROLE-4: a teacher for a (class, subject) pair; a new assignment replaces the old one."""
        org_id = parse_uuid(organisation_id, "организация")
        target = parse_uuid(user_id, "пользователь")
        name = clean_subject(subject)
        async with self._db.transaction("assign_subject_teacher") as conn:
            await self._access.require_admin(conn, org_id, principal)
            klass = await self._teaching_class(conn, org_id, class_id)
            check_may_teach_subject(await self._roles_for_update(conn, org_id, target))
            row = await self._store.set_subject_teacher(conn, org_id, klass.id, name, target)
            await stage_event(
                conn,
                "directory.subject.assigned",
                directory_pb2.SubjectTeacherAssigned(
                    organisation_id=str(org_id), class_id=str(klass.id), subject=name, user_id=str(target)
                ),
                organisation_id=str(org_id),
                actor=user_actor(principal.user_id),
            )
            return row

    async def subject_assignments(
        self, principal: Principal, organisation_id: str, class_id: str
    ) -> list[Row[Any]]:
        org_id = parse_uuid(organisation_id, "организация")
        async with self._db.transaction("list_subject_assignments") as conn:
            await self._access.require_admin(conn, org_id, principal)
            wanted = (await self._teaching_class(conn, org_id, class_id)).id if class_id else None
            return list(await self._store.subject_assignments(conn, org_id, wanted))

    async def _roles_for_update(
        self, conn: AsyncConnection, org_id: uuid.UUID, user_id: uuid.UUID
    ) -> frozenset[str]:
        membership = await self._store.membership(conn, org_id, user_id, for_update=True)
        return frozenset(membership.roles) if membership is not None else frozenset()

    async def _teaching_class(self, conn: AsyncConnection, org_id: uuid.UUID, class_id: str) -> Row[Any]:
        """A class of the organisation that lessons are taught in (not the staff room)."""
        klass = await self._classes.get_class(conn, parse_uuid(class_id, "класс"))
        if klass is None or klass.organisation_id != org_id:
            raise NotFound("Класс не найден")
        if klass.kind == "staff_room":
            raise InvalidArgument("«Учительская» — не класс: у неё нет классного руководителя и предметов")
        return klass

    async def _give_class_teacher_role(
        self, conn: AsyncConnection, org_id: uuid.UUID, user_id: uuid.UUID, roles: frozenset[str], actor: str
    ) -> None:
        if "class_teacher" in roles:
            return
        await set_member_roles(
            self._store,
            conn,
            organisation_id=org_id,
            user_id=user_id,
            roles=roles | {"class_teacher"},
            action="class_teacher_assigned",
            actor=actor,
        )

    async def _drop_class_teacher_role(
        self, conn: AsyncConnection, org_id: uuid.UUID, user_id: uuid.UUID, actor: str
    ) -> None:
        """The replaced class teacher keeps the role only while they still lead another class."""
        if await self._store.classes_led_by(conn, org_id, user_id):
            return
        roles = await self._roles_for_update(conn, org_id, user_id)
        if "class_teacher" not in roles:
            return
        await set_member_roles(
            self._store,
            conn,
            organisation_id=org_id,
            user_id=user_id,
            roles=roles - {"class_teacher"},
            action="class_teacher_removed",
            actor=actor,
        )
