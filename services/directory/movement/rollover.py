"""The academic-year rollover every school expects in September: classes move up a grade into the
new year with their students, the 11th grade graduates.

The administrator of a school rolls over one academic year ("2026/2027" → "2027/2028"): each class
of that year with a grade from 1 to 10 gets its successor in the next year — one grade up, the same
letter and unit ("5А" → "6А"), created unless it is there already — and its students are transferred
there as by `TransferStudent` (a 'transfer' movement and `directory.student.transferred` each,
R-MOVE-1, R-MOVE-2). The 11th grade's students graduate: they leave as by `RecordLeave` with the
reason «выпуск». Running it again finds nothing left to move and creates nothing: it is idempotent.
Kindergartens and additional-education centres have no grades, so they have no rollover.
"""

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
from services.common.errors import NotFound, RuleRefused
from services.common.events import user_actor
from services.common.outbox import stage_event
from services.directory.membership.access import Access
from services.directory.movement.moves import student_leaves, transfer_student
from services.directory.movement.parts import Members, Organisations
from services.directory.movement.store import MovementStore
from services.directory.organisations.parts import CLASS_KINDS, parse_academic_year

LAST_GRADE = 11
PROMOTION_REASON = "перевод в следующий класс"
GRADUATION_REASON = "выпуск"


@dataclass(frozen=True)
class RolloverResult:
    classes_created: int = 0
    students_moved: int = 0
    students_graduated: int = 0

    def __add__(self, other: RolloverResult) -> RolloverResult:
        return RolloverResult(
            self.classes_created + other.classes_created,
            self.students_moved + other.students_moved,
            self.students_graduated + other.students_graduated,
        )


def next_academic_year(year: str) -> str:
    """ "2026/2027" → "2027/2028"."""
    start, end = (int(part) for part in parse_academic_year(year).split("/"))
    return f"{start + 1}/{end + 1}"


def promoted_name(name: str, grade: int) -> str:
    """ "5А" in grade 5 → "6А": one grade up, the same letter."""
    return f"{grade + 1}{name.removeprefix(str(grade))}"


class Rollover:
    def __init__(
        self,
        db: Database,
        store: MovementStore,
        members: Members,
        organisations: Organisations,
        access: Access,
    ) -> None:
        self._db = db
        self._store = store
        self._members = members
        self._organisations = organisations
        self._access = access

    async def roll_over(self, principal: Principal, organisation_id: str, from_year: str) -> RolloverResult:
        org_id = parse_uuid(organisation_id, "организация")
        async with self._db.transaction("roll_over_year") as conn:
            await self._access.require_admin(conn, org_id, principal)
            # One rollover at a time per organisation: a concurrent second one then finds nothing to do.
            organisation = await self._organisations.lock_organisation(conn, org_id)
            if organisation is None:
                raise NotFound("Организация не найдена")
            if organisation.kind != "school":
                raise RuleRefused(
                    "Перевод в следующий класс есть только у школ: у групп и объединений нет номера",
                    rule="R-ORG-6",
                )
            year = parse_academic_year(from_year)
            result = RolloverResult()
            for klass in await self._organisations.classes(conn, org_id, year):
                if klass.kind != "class" or klass.grade is None or klass.academic_year != year:
                    continue
                if klass.grade >= LAST_GRADE:
                    result += await self._graduate(conn, klass, principal.user_id)
                else:
                    result += await self._promote(conn, klass, principal.user_id)
            return result

    async def _promote(self, conn: AsyncConnection, klass: Row[Any], actor: str) -> RolloverResult:
        successor, created = await self._successor(conn, klass, actor)
        moved = 0
        for student in await self._members.students_of_class(conn, klass.id):
            await transfer_student(
                self._store,
                self._members,
                conn,
                organisation_id=klass.organisation_id,
                user_id=student,
                from_class_id=klass.id,
                to_class_id=successor,
                reason=PROMOTION_REASON,
                actor=actor,
            )
            moved += 1
        return RolloverResult(classes_created=int(created), students_moved=moved)

    async def _successor(self, conn: AsyncConnection, klass: Row[Any], actor: str) -> tuple[uuid.UUID, bool]:
        """The next year's class one grade up, and whether it was created now."""
        name = promoted_name(klass.name, klass.grade)
        year = next_academic_year(klass.academic_year)
        created = await self._organisations.create_class(
            conn,
            organisation_id=klass.organisation_id,
            unit_id=klass.unit_id,
            kind="class",
            name=name,
            academic_year=year,
            grade=klass.grade + 1,
        )
        if created is None:
            existing = await self._organisations.class_by_name(conn, klass.organisation_id, name, year)
            assert existing is not None
            return uuid.UUID(str(existing.id)), False
        await stage_event(
            conn,
            "directory.class.created",
            directory_pb2.ClassCreated(
                organisation_id=str(klass.organisation_id),
                class_id=str(created.id),
                name=created.name,
                academic_year=year,
                kind=CLASS_KINDS.index("class") + 1,
            ),
            organisation_id=str(klass.organisation_id),
            actor=user_actor(actor),
        )
        return uuid.UUID(str(created.id)), True

    async def _graduate(self, conn: AsyncConnection, klass: Row[Any], actor: str) -> RolloverResult:
        graduated = 0
        for student in await self._members.students_of_class(conn, klass.id):
            membership = await self._members.membership(conn, klass.organisation_id, student, for_update=True)
            await student_leaves(
                self._store,
                self._members,
                conn,
                organisation_id=klass.organisation_id,
                user_id=student,
                roles=frozenset(membership.roles if membership is not None else ()),
                reason=GRADUATION_REASON,
                actor=actor,
            )
            graduated += 1
        return RolloverResult(students_graduated=graduated)
