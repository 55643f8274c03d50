"""Making someone a member with a role — the one path every way in takes (an accepted invite, an
approved join request; R-INV-5): the role is added to their set, a student is placed in exactly one
class (R-ROLE-5), a parent may be linked to a child (R-ROLE-6), staff await verification (R-ROLE-2,
which identity starts from the roles_changed event). All in the caller's transaction, with events."""

from __future__ import annotations

import uuid
from typing import Any, Protocol

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from parta.events.v1 import directory_pb2
from services.common.errors import NotFound, RuleRefused
from services.common.events import user_actor
from services.common.outbox import stage_event
from services.directory.membership.kinship import ParentClaim
from services.directory.membership.parents import ParentLinkStore, link_parent
from services.directory.membership.parts import Classes
from services.directory.membership.roles import RoleStore, set_member_roles

STAFF_JOIN_ROLES = frozenset({"teacher", "educator", "head", "administration"})
CLASS_JOIN_ROLES = frozenset({"student", "parent"})


class PlacementStore(Protocol):
    """A member's membership row and a student's one class (R-ROLE-5), read and set: what enrolling
    and moving someone both need."""

    async def membership(
        self,
        conn: AsyncConnection,
        organisation_id: uuid.UUID,
        user_id: uuid.UUID,
        *,
        for_update: bool = False,
    ) -> Row[Any] | None: ...

    async def student_class(
        self, conn: AsyncConnection, organisation_id: uuid.UUID, user_id: uuid.UUID
    ) -> uuid.UUID | None: ...

    async def set_student_class(
        self, conn: AsyncConnection, organisation_id: uuid.UUID, user_id: uuid.UUID, class_id: uuid.UUID
    ) -> None: ...


class EnrolmentStore(RoleStore, ParentLinkStore, PlacementStore, Protocol):
    """What enrolling someone reads and writes of membership."""

    async def insert_parent_claim(self, conn: AsyncConnection, **values: Any) -> bool: ...


def check_role_fits_class(role: str, class_kind: str) -> None:
    """Staff join through the staff room; students and parents through a class (R-INV-1)."""
    if role in STAFF_JOIN_ROLES and class_kind != "staff_room":
        raise RuleRefused("Сотрудники вступают через «Учительскую», а не через класс", rule="R-INV-1")
    if role in CLASS_JOIN_ROLES and class_kind == "staff_room":
        raise RuleRefused("Ученики и родители вступают через свой класс", rule="R-INV-1")
    if role not in STAFF_JOIN_ROLES | CLASS_JOIN_ROLES:
        raise RuleRefused(f"По приглашению нельзя получить роль «{role}»", rule="R-INV-1")


async def enrol(
    store: EnrolmentStore,
    classes: Classes,
    conn: AsyncConnection,
    *,
    organisation_id: uuid.UUID,
    user_id: uuid.UUID,
    role: str,
    class_id: uuid.UUID,
    actor: str,
    via: str,
    child_id: uuid.UUID | None = None,
    claim: ParentClaim | None = None,
) -> list[str]:
    """Add `role` for `user_id` through `class_id`; returns the member's new role set. A parent's
    link names its child (`child_id`, an invite for one student) or the parent says (`claim`)."""
    klass = await classes.get_class(conn, class_id)
    if klass is None or klass.organisation_id != organisation_id:
        raise NotFound("Класс не найден")
    check_role_fits_class(role, klass.kind)
    membership = await store.membership(conn, organisation_id, user_id, for_update=True)
    roles = set(membership.roles) if membership is not None else set()
    if role == "student":
        current = await store.student_class(conn, organisation_id, user_id)
        if current is not None and current != class_id:
            raise RuleRefused(
                "Ученик уже состоит в другом классе; перевод оформляет администратор",
                rule="R-ROLE-5",
            )
        await store.set_student_class(conn, organisation_id, user_id, class_id)
        await stage_event(
            conn,
            "directory.student.enrolled",
            directory_pb2.StudentEnrolled(
                organisation_id=str(organisation_id), user_id=str(user_id), class_id=str(class_id)
            ),
            organisation_id=str(organisation_id),
            actor=user_actor(actor),
        )
    if role == "parent":
        await _link_child(store, conn, organisation_id, user_id, class_id, actor, child_id, claim)
    if role in roles:
        return sorted(roles)
    return await set_member_roles(
        store,
        conn,
        organisation_id=organisation_id,
        user_id=user_id,
        roles=roles | {role},
        action=f"joined_{via}",
        actor=actor,
        details={"role": role, "class_id": str(class_id)},
    )


async def _link_child(
    store: EnrolmentStore,
    conn: AsyncConnection,
    organisation_id: uuid.UUID,
    parent_id: uuid.UUID,
    class_id: uuid.UUID,
    actor: str,
    child_id: uuid.UUID | None,
    claim: ParentClaim | None,
) -> None:
    """R-ROLE-6: the link's own child wins; else the child the parent picked among the class's
    students; else the name they typed, kept as a claim for the class teacher to link later."""
    relation = claim.relation if claim is not None else ""
    chosen = child_id or (claim.child_id if claim is not None else None)
    if chosen is not None:
        if child_id is None and await store.student_class(conn, organisation_id, chosen) != class_id:
            raise RuleRefused("Этот ученик не учится в этом классе", rule="R-ROLE-6")
        await link_parent(store, conn, organisation_id, parent_id, chosen, class_id, actor, relation)
        return
    if claim is None:
        return
    if await store.insert_parent_claim(
        conn,
        organisation_id=organisation_id,
        parent_id=parent_id,
        class_id=class_id,
        child_first_name=claim.child_first_name,
        child_last_name=claim.child_last_name,
        relation=relation,
    ):
        await stage_event(
            conn,
            "directory.parent.claimed",
            directory_pb2.ParentClaimed(
                organisation_id=str(organisation_id),
                parent_id=str(parent_id),
                class_id=str(class_id),
                child_first_name=claim.child_first_name,
                child_last_name=claim.child_last_name,
                relation=relation,
            ),
            organisation_id=str(organisation_id),
            actor=user_actor(actor),
        )
