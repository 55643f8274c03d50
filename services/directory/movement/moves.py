"""Movement (R-MOVE-1, R-MOVE-2): class transfer, a student leaving, a staff member leaving — with
history, and events precise enough for messaging to move or remove the person and the parents.

The administrator records every movement; the administrator and the head read the history. Each
movement writes a `movements` row (kept for good, R-MOVE-1) and the member's role changes go through
`set_member_roles`, which writes `member_history` and `directory.member.roles_changed`.

- A transfer moves a student to another class of the same organisation (never the staff room):
  `student_classes` changes (one class at a time, R-ROLE-5) and `directory.student.transferred`
  carries both classes and the student's parents, so messaging moves them all (R-MOVE-2).
- A student leaving loses every role and their class; `directory.member.left` carries the class and
  the parents. Their parent links in this organisation are removed (the ids stay in the history).
  A parent is NOT removed just because one child left: a parent with another child still in the
  organisation keeps the parent role. A parent with no other child here has nothing to do in the
  organisation any more, so the parent role goes too (their other roles, e.g. teacher, stay); that
  reaches messaging as their `roles_changed` (an empty set means no longer a member).
- A staff member leaving loses their staff roles and their class-teacher and subject-teacher
  assignments. A parent role they hold stays: quitting a job does not end being a pupil's legal
  representative (R-ROLE-6), so `former_roles` in `member.left` lists only what was given up.
- A parent alone does not "leave" through movement: they go with their last child, as above.
- Leaving twice is refused (FAILED_PRECONDITION); someone who never was a member is NOT_FOUND. An
  administrator does not record their own leave: another administrator does, so the organisation
  is never left without one by accident.

The functions `transfer_student` and `student_leaves` run inside the caller's transaction; the
academic-year rollover uses them too.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from parta.events.v1 import directory_pb2
from services.common.auth import Principal
from services.common.convert import id_text, ordered_roles, parse_uuid, role_value
from services.common.db import Database
from services.common.errors import InvalidArgument, NotFound, PermissionDenied, RuleRefused
from services.common.events import user_actor
from services.common.outbox import stage_event
from services.directory.membership.access import STAFF_ROLES, Access
from services.directory.membership.roles import set_member_roles
from services.directory.movement.parts import Members, Organisations
from services.directory.movement.store import MovementStore

MAX_REASON = 500
HISTORY_READERS = frozenset({"administrator", "head"})


def clean_reason(reason: str) -> str:
    cleaned = " ".join(reason.split())
    if len(cleaned) > MAX_REASON:
        raise InvalidArgument(f"Причина — не больше {MAX_REASON} символов")
    return cleaned


def leave_kind(roles: frozenset[str]) -> str:
    """Which movement a leave is: a student's, or a staff member's (R-MOVE-1)."""
    if "student" in roles:
        return "student_left"
    if roles & STAFF_ROLES:
        return "staff_left"
    raise RuleRefused(
        "Выбытие оформляется для ученика или сотрудника; родитель выбывает вместе с ребёнком",
        rule="R-MOVE-1",
    )


def check_transfer_target(
    klass: Row[Any] | None, organisation_id: uuid.UUID, current: uuid.UUID | None
) -> None:
    """The new class is a class of the same organisation, not the staff room and not the current one."""
    if klass is None or klass.organisation_id != organisation_id:
        raise NotFound("Класс не найден")
    if klass.kind == "staff_room":
        raise RuleRefused("Ученика нельзя перевести в «Учительскую»", rule="R-MOVE-1")
    if klass.id == current:
        raise RuleRefused("Ученик уже учится в этом классе", rule="R-MOVE-1")


async def transfer_student(
    store: MovementStore,
    members: Members,
    conn: AsyncConnection,
    *,
    organisation_id: uuid.UUID,
    user_id: uuid.UUID,
    from_class_id: uuid.UUID | None,
    to_class_id: uuid.UUID,
    reason: str,
    actor: str,
) -> Row[Any]:
    """Move a student to `to_class_id` with its movement row, history and event (R-MOVE-2)."""
    await members.set_student_class(conn, organisation_id, user_id, to_class_id)
    movement = await store.insert_movement(
        conn,
        organisation_id=organisation_id,
        user_id=user_id,
        kind="transfer",
        from_class_id=from_class_id,
        to_class_id=to_class_id,
        reason=reason,
        recorded_by=uuid.UUID(actor),
    )
    await members.add_history(
        conn,
        organisation_id=organisation_id,
        user_id=user_id,
        action="transferred",
        actor=uuid.UUID(actor),
        details={
            "from_class_id": id_text(from_class_id),
            "to_class_id": str(to_class_id),
            "reason": reason,
        },
    )
    parents = await members.parents_of(conn, organisation_id, user_id)
    await stage_event(
        conn,
        "directory.student.transferred",
        directory_pb2.StudentTransferred(
            organisation_id=str(organisation_id),
            user_id=str(user_id),
            from_class_id=id_text(from_class_id),
            to_class_id=str(to_class_id),
            parent_ids=[str(p) for p in parents],
        ),
        organisation_id=str(organisation_id),
        actor=user_actor(actor),
    )
    return movement


async def student_leaves(
    store: MovementStore,
    members: Members,
    conn: AsyncConnection,
    *,
    organisation_id: uuid.UUID,
    user_id: uuid.UUID,
    roles: frozenset[str],
    reason: str,
    actor: str,
) -> Row[Any]:
    """A student leaves the organisation: every role, the class, the parent links (R-MOVE-2)."""
    class_id = await members.student_class(conn, organisation_id, user_id)
    parents = await members.parents_of(conn, organisation_id, user_id)
    await members.remove_student_class(conn, organisation_id, user_id)
    await members.unlink_child(conn, organisation_id, user_id)
    await set_member_roles(
        members,
        conn,
        organisation_id=organisation_id,
        user_id=user_id,
        roles=[],
        action="student_left",
        actor=actor,
        details={"class_id": id_text(class_id), "parent_ids": [str(p) for p in parents], "reason": reason},
    )
    movement = await store.insert_movement(
        conn,
        organisation_id=organisation_id,
        user_id=user_id,
        kind="student_left",
        from_class_id=class_id,
        reason=reason,
        recorded_by=uuid.UUID(actor),
    )
    await _stage_left(conn, organisation_id, user_id, roles, class_id, parents, actor)
    for parent_id in parents:
        await _release_parent(members, conn, organisation_id, parent_id, user_id, actor)
    return movement


async def staff_leaves(
    store: MovementStore,
    members: Members,
    conn: AsyncConnection,
    *,
    organisation_id: uuid.UUID,
    user_id: uuid.UUID,
    roles: frozenset[str],
    reason: str,
    actor: str,
) -> Row[Any]:
    """A staff member leaves: staff roles and assignments go, a parent role stays (R-MOVE-2)."""
    former = roles & STAFF_ROLES
    await members.remove_staff_assignments(conn, organisation_id, user_id)
    await set_member_roles(
        members,
        conn,
        organisation_id=organisation_id,
        user_id=user_id,
        roles=roles - former,
        action="staff_left",
        actor=actor,
        details={"former_roles": ordered_roles(former), "reason": reason},
    )
    movement = await store.insert_movement(
        conn,
        organisation_id=organisation_id,
        user_id=user_id,
        kind="staff_left",
        reason=reason,
        recorded_by=uuid.UUID(actor),
    )
    await _stage_left(conn, organisation_id, user_id, former, None, [], actor)
    return movement


async def _stage_left(
    conn: AsyncConnection,
    organisation_id: uuid.UUID,
    user_id: uuid.UUID,
    former_roles: frozenset[str],
    class_id: uuid.UUID | None,
    parents: list[uuid.UUID],
    actor: str,
) -> None:
    await stage_event(
        conn,
        "directory.member.left",
        directory_pb2.MemberLeft(
            organisation_id=str(organisation_id),
            user_id=str(user_id),
            former_roles=[role_value(role) for role in ordered_roles(former_roles)],
            class_id=id_text(class_id),
            parent_ids=[str(p) for p in parents],
        ),
        organisation_id=str(organisation_id),
        actor=user_actor(actor),
    )


async def _release_parent(
    members: Members,
    conn: AsyncConnection,
    organisation_id: uuid.UUID,
    parent_id: uuid.UUID,
    child_id: uuid.UUID,
    actor: str,
) -> None:
    """The parent role goes with the last child in the organisation; other roles stay."""
    if await members.children_of(conn, organisation_id, parent_id):
        return
    membership = await members.membership(conn, organisation_id, parent_id, for_update=True)
    if membership is None or "parent" not in membership.roles:
        return
    await set_member_roles(
        members,
        conn,
        organisation_id=organisation_id,
        user_id=parent_id,
        roles=set(membership.roles) - {"parent"},
        action="parent_left_with_child",
        actor=actor,
        details={"child_id": str(child_id)},
    )


class Movements:
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

    async def transfer(
        self, principal: Principal, organisation_id: str, user_id: str, to_class_id: str, reason: str
    ) -> Row[Any]:
        org_id = parse_uuid(organisation_id, "организация")
        async with self._db.transaction("transfer_student") as conn:
            await self._access.require_admin(conn, org_id, principal)
            student = parse_uuid(user_id, "ученик")
            target = parse_uuid(to_class_id, "класс")
            membership = await self._members.membership(conn, org_id, student, for_update=True)
            if membership is None or "student" not in membership.roles:
                raise NotFound("Ученик не найден в организации")
            current = await self._members.student_class(conn, org_id, student)
            check_transfer_target(await self._organisations.get_class(conn, target), org_id, current)
            return await transfer_student(
                self._store,
                self._members,
                conn,
                organisation_id=org_id,
                user_id=student,
                from_class_id=current,
                to_class_id=target,
                reason=clean_reason(reason),
                actor=principal.user_id,
            )

    async def leave(self, principal: Principal, organisation_id: str, user_id: str, reason: str) -> Row[Any]:
        org_id = parse_uuid(organisation_id, "организация")
        async with self._db.transaction("record_leave") as conn:
            await self._access.require_admin(conn, org_id, principal)
            member = parse_uuid(user_id, "участник")
            if str(member) == principal.user_id:
                raise RuleRefused("Своё выбытие оформляет другой администратор", rule="R-MOVE-1")
            membership = await self._members.membership(conn, org_id, member, for_update=True)
            if membership is None:
                raise NotFound("Участник не найден в организации")
            roles = frozenset(membership.roles)
            if not roles:
                raise RuleRefused("Выбытие этого участника уже оформлено", rule="R-MOVE-1")
            leaves = student_leaves if leave_kind(roles) == "student_left" else staff_leaves
            return await leaves(
                self._store,
                self._members,
                conn,
                organisation_id=org_id,
                user_id=member,
                roles=roles,
                reason=clean_reason(reason),
                actor=principal.user_id,
            )

    async def list(self, principal: Principal, organisation_id: str, user_id: str) -> list[Row[Any]]:
        org_id = parse_uuid(organisation_id, "организация")
        member = parse_uuid(user_id, "участник") if user_id else None
        async with self._db.transaction("list_movements") as conn:
            roles = await self._access.require_member_or_operator(conn, org_id, principal)
            if not roles & HISTORY_READERS:
                raise PermissionDenied("Историю движения видят администратор и руководитель")
            return list(await self._store.list_movements(conn, org_id, member))
