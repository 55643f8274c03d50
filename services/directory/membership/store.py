"""SQL of membership: members and their roles with history, identity's verification decisions (the badge,
R-ROLE-2) and people's names, class and subject teachers (R-ROLE-4), students' classes (R-ROLE-5), parent
links and parents' claims (R-ROLE-6). Every method takes the connection of a transaction the caller
opened; nothing here decides a rule."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Row, delete, func, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.common.upsert import upsert
from services.directory.membership.tables import (
    class_teachers,
    member_history,
    memberships,
    parent_claims,
    parent_links,
    person_names,
    role_verifications,
    student_classes,
    subject_assignments,
)


class MembershipStore:
    # --- memberships ----------------------------------------------------------------------
    async def membership(
        self,
        conn: AsyncConnection,
        organisation_id: uuid.UUID,
        user_id: uuid.UUID,
        *,
        for_update: bool = False,
    ) -> Row[Any] | None:
        query = select(memberships).where(
            memberships.c.organisation_id == organisation_id, memberships.c.user_id == user_id
        )
        if for_update:
            query = query.with_for_update()
        return (await conn.execute(query)).first()

    async def set_roles(
        self, conn: AsyncConnection, organisation_id: uuid.UUID, user_id: uuid.UUID, roles: list[str]
    ) -> int:
        """Store a member's whole role set; returns its new version (for the roles_changed event)."""
        stmt = insert(memberships).values(
            organisation_id=organisation_id, user_id=user_id, roles=roles, version=1
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[memberships.c.organisation_id, memberships.c.user_id],
            set_={"roles": stmt.excluded.roles, "version": memberships.c.version + 1},
        )
        version = await conn.scalar(stmt.returning(memberships.c.version))
        return int(version or 0)

    async def members(self, conn: AsyncConnection, organisation_id: uuid.UUID) -> Sequence[Row[Any]]:
        return (
            await conn.execute(
                select(memberships)
                .where(
                    memberships.c.organisation_id == organisation_id,
                    func.cardinality(memberships.c.roles) > 0,
                )
                .order_by(memberships.c.joined_at)
            )
        ).all()

    async def add_history(
        self,
        conn: AsyncConnection,
        *,
        organisation_id: uuid.UUID,
        user_id: uuid.UUID,
        action: str,
        actor: uuid.UUID | None,
        details: dict[str, Any] | None = None,
    ) -> None:
        await conn.execute(
            member_history.insert().values(
                organisation_id=organisation_id,
                user_id=user_id,
                action=action,
                actor=actor,
                details=details or {},
            )
        )

    # --- identity's verification decisions (R-ROLE-2), for the badge ------------------------
    async def set_role_verification(
        self, conn: AsyncConnection, organisation_id: uuid.UUID, user_id: uuid.UUID, role: str, verified: bool
    ) -> None:
        stmt = insert(role_verifications).values(
            organisation_id=organisation_id, user_id=user_id, role=role, verified=verified
        )
        await conn.execute(
            stmt.on_conflict_do_update(
                index_elements=[
                    role_verifications.c.organisation_id,
                    role_verifications.c.user_id,
                    role_verifications.c.role,
                ],
                set_={"verified": stmt.excluded.verified, "decided_at": func.now()},
            )
        )

    async def verified_roles(
        self, conn: AsyncConnection, organisation_id: uuid.UUID
    ) -> dict[uuid.UUID, set[str]]:
        rows = await conn.execute(
            select(role_verifications.c.user_id, role_verifications.c.role).where(
                role_verifications.c.organisation_id == organisation_id,
                role_verifications.c.verified.is_(True),
            )
        )
        verified: dict[uuid.UUID, set[str]] = {}
        for user_id, role in rows:
            verified.setdefault(user_id, set()).add(role)
        return verified

    # --- students' classes (R-ROLE-5) and parents (R-ROLE-6) -------------------------------
    async def student_class(
        self, conn: AsyncConnection, organisation_id: uuid.UUID, user_id: uuid.UUID
    ) -> uuid.UUID | None:
        value = await conn.scalar(
            select(student_classes.c.class_id).where(
                student_classes.c.organisation_id == organisation_id, student_classes.c.user_id == user_id
            )
        )
        return cast("uuid.UUID | None", value)

    async def set_student_class(
        self, conn: AsyncConnection, organisation_id: uuid.UUID, user_id: uuid.UUID, class_id: uuid.UUID
    ) -> None:
        values = {"organisation_id": organisation_id, "user_id": user_id, "class_id": class_id}
        await conn.execute(
            upsert(
                student_classes,
                values,
                key=("organisation_id", "user_id"),
                take=("class_id",),
                also={"since": func.now()},
            )
        )

    async def remove_student_class(
        self, conn: AsyncConnection, organisation_id: uuid.UUID, user_id: uuid.UUID
    ) -> None:
        await conn.execute(
            student_classes.delete().where(
                student_classes.c.organisation_id == organisation_id, student_classes.c.user_id == user_id
            )
        )

    async def link_parent(
        self,
        conn: AsyncConnection,
        organisation_id: uuid.UUID,
        parent_id: uuid.UUID,
        child_id: uuid.UUID,
        relation: str = "",
    ) -> bool:
        """True when the link is new or its relation changed; a link without one keeps the old."""
        stmt = insert(parent_links).values(
            organisation_id=organisation_id, parent_id=parent_id, child_id=child_id, relation=relation
        )
        if not relation:
            return (await conn.execute(stmt.on_conflict_do_nothing())).rowcount > 0
        result = await conn.execute(
            stmt.on_conflict_do_update(
                index_elements=[
                    parent_links.c.organisation_id,
                    parent_links.c.parent_id,
                    parent_links.c.child_id,
                ],
                set_={"relation": relation},
                where=parent_links.c.relation != relation,
            )
        )
        return result.rowcount > 0

    async def parents_of(
        self, conn: AsyncConnection, organisation_id: uuid.UUID, child_id: uuid.UUID
    ) -> list[uuid.UUID]:
        rows = await conn.scalars(
            select(parent_links.c.parent_id).where(
                parent_links.c.organisation_id == organisation_id, parent_links.c.child_id == child_id
            )
        )
        return list(rows)

    # --- class teachers (R-ROLE-4) ----------------------------------------------------------
    async def class_teacher(self, conn: AsyncConnection, class_id: uuid.UUID) -> uuid.UUID | None:
        value = await conn.scalar(
            select(class_teachers.c.user_id).where(class_teachers.c.class_id == class_id)
        )
        return cast("uuid.UUID | None", value)

    async def set_class_teacher(
        self, conn: AsyncConnection, organisation_id: uuid.UUID, class_id: uuid.UUID, user_id: uuid.UUID
    ) -> uuid.UUID | None:
        """Make `user_id` the one class teacher of `class_id`; returns the previous one, if any."""
        previous = await conn.scalar(
            select(class_teachers.c.user_id).where(class_teachers.c.class_id == class_id).with_for_update()
        )
        stmt = insert(class_teachers).values(
            class_id=class_id, organisation_id=organisation_id, user_id=user_id
        )
        await conn.execute(
            stmt.on_conflict_do_update(
                index_elements=[class_teachers.c.class_id],
                set_={"user_id": stmt.excluded.user_id, "assigned_at": func.now()},
            )
        )
        return cast("uuid.UUID | None", previous)

    async def classes_led_by(
        self, conn: AsyncConnection, organisation_id: uuid.UUID, user_id: uuid.UUID
    ) -> list[uuid.UUID]:
        rows = await conn.scalars(
            select(class_teachers.c.class_id).where(
                class_teachers.c.organisation_id == organisation_id, class_teachers.c.user_id == user_id
            )
        )
        return list(rows)

    # --- subject teachers (R-ROLE-4) --------------------------------------------------------
    async def set_subject_teacher(
        self,
        conn: AsyncConnection,
        organisation_id: uuid.UUID,
        class_id: uuid.UUID,
        subject: str,
        user_id: uuid.UUID,
    ) -> Row[Any]:
        """One teacher per (class, subject): a new assignment replaces the old one."""
        stmt = insert(subject_assignments).values(
            class_id=class_id, subject=subject, organisation_id=organisation_id, user_id=user_id
        )
        result = await conn.execute(
            stmt.on_conflict_do_update(
                index_elements=[subject_assignments.c.class_id, subject_assignments.c.subject],
                set_={"user_id": stmt.excluded.user_id, "assigned_at": func.now()},
            ).returning(subject_assignments)
        )
        return cast("Row[Any]", result.one())

    async def subject_assignments(
        self, conn: AsyncConnection, organisation_id: uuid.UUID, class_id: uuid.UUID | None
    ) -> Sequence[Row[Any]]:
        query = select(subject_assignments).where(subject_assignments.c.organisation_id == organisation_id)
        if class_id is not None:
            query = query.where(subject_assignments.c.class_id == class_id)
        order = (subject_assignments.c.class_id, subject_assignments.c.subject)
        return (await conn.execute(query.order_by(*order))).all()

    # --- parent links (R-ROLE-6) ------------------------------------------------------------
    async def parent_links(
        self,
        conn: AsyncConnection,
        organisation_id: uuid.UUID,
        *,
        parent_id: uuid.UUID | None = None,
        child_id: uuid.UUID | None = None,
    ) -> Sequence[Row[Any]]:
        query = select(parent_links).where(parent_links.c.organisation_id == organisation_id)
        if parent_id is not None:
            query = query.where(parent_links.c.parent_id == parent_id)
        if child_id is not None:
            query = query.where(parent_links.c.child_id == child_id)
        return (await conn.execute(query.order_by(parent_links.c.created_at))).all()

    async def set_person_name(
        self, conn: AsyncConnection, user_id: uuid.UUID, first_name: str, last_name: str
    ) -> None:
        stmt = insert(person_names).values(user_id=user_id, first_name=first_name, last_name=last_name)
        await conn.execute(
            stmt.on_conflict_do_update(
                index_elements=[person_names.c.user_id],
                set_={"first_name": stmt.excluded.first_name, "last_name": stmt.excluded.last_name},
            )
        )

    async def class_student_names(
        self, conn: AsyncConnection, organisation_id: uuid.UUID, class_id: uuid.UUID
    ) -> Sequence[Row[Any]]:
        """The class's students who gave a name: id, first and last name, by last name."""
        query = (
            select(student_classes.c.user_id, person_names.c.first_name, person_names.c.last_name)
            .join(person_names, person_names.c.user_id == student_classes.c.user_id)
            .where(
                student_classes.c.organisation_id == organisation_id,
                student_classes.c.class_id == class_id,
                or_(person_names.c.first_name != "", person_names.c.last_name != ""),
            )
            .order_by(person_names.c.last_name, person_names.c.first_name)
        )
        return cast("Sequence[Row[Any]]", (await conn.execute(query)).all())

    async def children_of(
        self, conn: AsyncConnection, organisation_id: uuid.UUID, parent_id: uuid.UUID
    ) -> list[uuid.UUID]:
        rows = await conn.scalars(
            select(parent_links.c.child_id).where(
                parent_links.c.organisation_id == organisation_id, parent_links.c.parent_id == parent_id
            )
        )
        return list(rows)

    async def unlink_child(
        self, conn: AsyncConnection, organisation_id: uuid.UUID, child_id: uuid.UUID
    ) -> None:
        await conn.execute(
            delete(parent_links).where(
                parent_links.c.organisation_id == organisation_id, parent_links.c.child_id == child_id
            )
        )

    async def remove_staff_assignments(
        self, conn: AsyncConnection, organisation_id: uuid.UUID, user_id: uuid.UUID
    ) -> None:
        """A leaving staff member's class-teacher and subject-teacher assignments (R-ROLE-4)."""
        await conn.execute(
            delete(class_teachers).where(
                class_teachers.c.organisation_id == organisation_id, class_teachers.c.user_id == user_id
            )
        )
        await conn.execute(
            delete(subject_assignments).where(
                subject_assignments.c.organisation_id == organisation_id,
                subject_assignments.c.user_id == user_id,
            )
        )

    async def students_of_class(self, conn: AsyncConnection, class_id: uuid.UUID) -> list[uuid.UUID]:
        rows = await conn.scalars(
            select(student_classes.c.user_id)
            .where(student_classes.c.class_id == class_id)
            .order_by(student_classes.c.user_id)
        )
        return list(rows)

    async def insert_parent_claim(self, conn: AsyncConnection, **values: Any) -> bool:
        """True when the claim is new or its relation changed (R-ROLE-6)."""
        stmt = insert(parent_claims).values(**values)
        result = await conn.execute(
            stmt.on_conflict_do_update(
                index_elements=[
                    parent_claims.c.organisation_id,
                    parent_claims.c.parent_id,
                    parent_claims.c.class_id,
                    parent_claims.c.child_first_name,
                    parent_claims.c.child_last_name,
                ],
                set_={"relation": stmt.excluded.relation},
                where=parent_claims.c.relation != stmt.excluded.relation,
            )
        )
        return result.rowcount > 0

    async def delete_parent_claim(self, conn: AsyncConnection, claim: Row[Any]) -> None:
        await conn.execute(
            delete(parent_claims).where(
                parent_claims.c.organisation_id == claim.organisation_id,
                parent_claims.c.parent_id == claim.parent_id,
                parent_claims.c.class_id == claim.class_id,
                parent_claims.c.child_first_name == claim.child_first_name,
                parent_claims.c.child_last_name == claim.child_last_name,
            )
        )

    async def parent_claims(
        self, conn: AsyncConnection, organisation_id: uuid.UUID, parent_id: uuid.UUID
    ) -> Sequence[Row[Any]]:
        query = select(parent_claims).where(
            parent_claims.c.organisation_id == organisation_id, parent_claims.c.parent_id == parent_id
        )
        return (await conn.execute(query.order_by(parent_claims.c.created_at))).all()
