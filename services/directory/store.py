"""All of directory's SQL. Every method takes the connection of a transaction the caller opened
with `Database.transaction(name)`; nothing here decides a rule."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Row, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.directory.schema import (
    applications,
    class_teachers,
    classes,
    member_history,
    memberships,
    operator_staff,
    organisations,
    parent_links,
    role_verifications,
    student_classes,
    units,
)
from services.directory.store_joining import JoiningStore
from services.directory.store_people import PeopleStore

APPLICATION_COLUMNS = [c for c in applications.c if c.name != "document"]


class CoreStore:
    """Operator staff, applications, organisations, memberships, history, units and classes."""

    # --- operator -------------------------------------------------------------------------
    async def add_operator(self, conn: AsyncConnection, login: str) -> None:
        await conn.execute(insert(operator_staff).values(login=login).on_conflict_do_nothing())

    async def is_operator(self, conn: AsyncConnection, logins: Sequence[str]) -> bool:
        wanted = [login for login in logins if login]
        if not wanted:
            return False
        found = await conn.scalar(select(func.count()).where(operator_staff.c.login.in_(wanted)))
        return bool(found)

    # --- applications (R-ORG-2) -----------------------------------------------------------
    async def insert_application(self, conn: AsyncConnection, **values: Any) -> Row[Any]:
        result = await conn.execute(
            applications.insert()
            .values(id=uuid.uuid4(), status="pending", **values)
            .returning(*APPLICATION_COLUMNS)
        )
        return result.one()

    async def list_applications(self, conn: AsyncConnection, status: str | None) -> Sequence[Row[Any]]:
        query = select(*APPLICATION_COLUMNS).order_by(applications.c.created_at)
        if status is not None:
            query = query.where(applications.c.status == status)
        return (await conn.execute(query)).all()

    async def get_application(
        self, conn: AsyncConnection, application_id: uuid.UUID, *, for_update: bool = False
    ) -> Row[Any] | None:
        query = select(*APPLICATION_COLUMNS).where(applications.c.id == application_id)
        if for_update:
            query = query.with_for_update()
        return (await conn.execute(query)).first()

    async def application_document(self, conn: AsyncConnection, application_id: uuid.UUID) -> Row[Any] | None:
        query = select(applications.c.document_name, applications.c.document_type, applications.c.document)
        row = (await conn.execute(query.where(applications.c.id == application_id))).first()
        return cast("Row[Any] | None", row)

    async def decide_application(
        self, conn: AsyncConnection, application_id: uuid.UUID, **values: Any
    ) -> Row[Any]:
        result = await conn.execute(
            update(applications)
            .where(applications.c.id == application_id)
            .values(decided_at=func.now(), **values)
            .returning(*APPLICATION_COLUMNS)
        )
        return result.one()

    # --- organisations --------------------------------------------------------------------
    async def organisation_by_tax_id(self, conn: AsyncConnection, tax_id: str) -> Row[Any] | None:
        return (await conn.execute(select(organisations).where(organisations.c.tax_id == tax_id))).first()

    async def create_organisation(self, conn: AsyncConnection, **values: Any) -> Row[Any]:
        result = await conn.execute(
            organisations.insert().values(id=uuid.uuid4(), **values).returning(organisations)
        )
        return cast("Row[Any]", result.one())

    async def get_organisation(self, conn: AsyncConnection, organisation_id: uuid.UUID) -> Row[Any] | None:
        return (
            await conn.execute(select(organisations).where(organisations.c.id == organisation_id))
        ).first()

    async def update_organisation(
        self, conn: AsyncConnection, organisation_id: uuid.UUID, values: dict[str, Any]
    ) -> Row[Any]:
        result = await conn.execute(
            update(organisations)
            .where(organisations.c.id == organisation_id)
            .values(**values)
            .returning(organisations)
        )
        return cast("Row[Any]", result.one())

    async def organisations_awaiting_admin(
        self, conn: AsyncConnection, *, phone: str, email: str
    ) -> Sequence[Row[Any]]:
        """Approved organisations whose named administrator (by phone or e-mail) has not come yet."""
        conditions = []
        if phone:
            conditions.append(organisations.c.pending_admin_phone == phone)
        if email:
            conditions.append(organisations.c.pending_admin_email == email)
        if not conditions:
            return []
        return (await conn.execute(select(organisations).where(or_(*conditions)).with_for_update())).all()

    async def clear_pending_admin(self, conn: AsyncConnection, organisation_id: uuid.UUID) -> None:
        await conn.execute(
            update(organisations)
            .where(organisations.c.id == organisation_id)
            .values(pending_admin_phone=None, pending_admin_email=None)
        )

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

    async def organisations_of_user(self, conn: AsyncConnection, user_id: uuid.UUID) -> Sequence[Row[Any]]:
        return (
            await conn.execute(
                select(organisations, memberships.c.roles)
                .join(memberships, memberships.c.organisation_id == organisations.c.id)
                .where(memberships.c.user_id == user_id, func.cardinality(memberships.c.roles) > 0)
                .order_by(organisations.c.name)
            )
        ).all()

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
        stmt = insert(student_classes).values(
            organisation_id=organisation_id, user_id=user_id, class_id=class_id
        )
        await conn.execute(
            stmt.on_conflict_do_update(
                index_elements=[student_classes.c.organisation_id, student_classes.c.user_id],
                set_={"class_id": stmt.excluded.class_id, "since": func.now()},
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

    async def get_class(self, conn: AsyncConnection, class_id: uuid.UUID) -> Row[Any] | None:
        return (await conn.execute(select(classes).where(classes.c.id == class_id))).first()

    # --- structure (R-ORG-6) --------------------------------------------------------------
    async def create_unit(
        self, conn: AsyncConnection, organisation_id: uuid.UUID, name: str
    ) -> Row[Any] | None:
        """None when the organisation already has a unit of that name."""
        result = await conn.execute(
            insert(units)
            .values(id=uuid.uuid4(), organisation_id=organisation_id, name=name)
            .on_conflict_do_nothing()
            .returning(units)
        )
        return cast("Row[Any] | None", result.first())

    async def get_unit(self, conn: AsyncConnection, unit_id: uuid.UUID) -> Row[Any] | None:
        return (await conn.execute(select(units).where(units.c.id == unit_id))).first()

    async def units(self, conn: AsyncConnection, organisation_id: uuid.UUID) -> Sequence[Row[Any]]:
        return (
            await conn.execute(
                select(units).where(units.c.organisation_id == organisation_id).order_by(units.c.name)
            )
        ).all()

    async def create_class(self, conn: AsyncConnection, **values: Any) -> Row[Any] | None:
        """None when the organisation already has a class of that name in that year."""
        result = await conn.execute(
            insert(classes).values(id=uuid.uuid4(), **values).on_conflict_do_nothing().returning(classes)
        )
        return cast("Row[Any] | None", result.first())

    async def classes(
        self, conn: AsyncConnection, organisation_id: uuid.UUID, academic_year: str | None
    ) -> Sequence[Row[Any]]:
        """The classes with their class teacher (R-ROLE-4) and how many students (R-ROLE-5) and
        linked parents (R-ROLE-6) each has now."""
        students = (
            select(func.count())
            .where(student_classes.c.class_id == classes.c.id)
            .correlate(classes)
            .scalar_subquery()
        )
        parents = (
            select(func.count(func.distinct(parent_links.c.parent_id)))
            .select_from(
                parent_links.join(
                    student_classes,
                    (student_classes.c.organisation_id == parent_links.c.organisation_id)
                    & (student_classes.c.user_id == parent_links.c.child_id),
                )
            )
            .where(student_classes.c.class_id == classes.c.id)
            .correlate(classes)
            .scalar_subquery()
        )
        query = (
            select(
                classes,
                class_teachers.c.user_id.label("class_teacher_id"),
                students.label("student_count"),
                parents.label("parent_count"),
            )
            .select_from(classes.outerjoin(class_teachers, class_teachers.c.class_id == classes.c.id))
            .where(classes.c.organisation_id == organisation_id)
        )
        if academic_year:
            query = query.where(or_(classes.c.academic_year == academic_year, classes.c.kind == "staff_room"))
        return (
            await conn.execute(query.order_by(classes.c.kind.desc(), classes.c.grade, classes.c.name))
        ).all()


class DirectoryStore(CoreStore, JoiningStore, PeopleStore):
    """Every table of the directory, one object: the areas' SQL lives in store_*.py."""
