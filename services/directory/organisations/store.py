"""SQL of organisations: operator staff, applications (R-ORG-2), organisations with their pending
administrator (R-ORG-3) and join code, a person's organisations with their roles, and the structure —
units and classes with their counts, the staff room (R-ORG-5, R-ORG-6). Every method takes the
connection of a transaction the caller opened; nothing here decides a rule."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Row, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.directory.membership.tables import (
    class_teachers,
    memberships,
    parent_links,
    student_classes,
)
from services.directory.organisations.tables import (
    applications,
    classes,
    operator_staff,
    organisations,
    units,
)

APPLICATION_COLUMNS = [c for c in applications.c if c.name != "document"]


class OrganisationsStore:
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

    async def staff_room(self, conn: AsyncConnection, organisation_id: uuid.UUID) -> Row[Any] | None:
        query = select(classes).where(
            classes.c.organisation_id == organisation_id, classes.c.kind == "staff_room"
        )
        return (await conn.execute(query)).first()

    async def class_by_name(
        self, conn: AsyncConnection, organisation_id: uuid.UUID, name: str, academic_year: str
    ) -> Row[Any] | None:
        query = select(classes).where(
            classes.c.organisation_id == organisation_id,
            classes.c.name == name,
            classes.c.academic_year == academic_year,
        )
        return (await conn.execute(query)).first()

    # --- the academic-year rollover -------------------------------------------------------
    async def lock_organisation(self, conn: AsyncConnection, organisation_id: uuid.UUID) -> Row[Any] | None:
        query = select(organisations).where(organisations.c.id == organisation_id).with_for_update()
        return (await conn.execute(query)).first()

    # --- join requests (R-INV-3) ----------------------------------------------------------
    async def organisation_by_join_code(self, conn: AsyncConnection, code: str) -> Row[Any] | None:
        query = select(organisations).where(func.upper(organisations.c.join_code) == code.upper())
        return (await conn.execute(query)).first()

    async def organisations_of_user(self, conn: AsyncConnection, user_id: uuid.UUID) -> Sequence[Row[Any]]:
        return (
            await conn.execute(
                select(organisations, memberships.c.roles)
                .join(memberships, memberships.c.organisation_id == organisations.c.id)
                .where(memberships.c.user_id == user_id, func.cardinality(memberships.c.roles) > 0)
                .order_by(organisations.c.name)
            )
        ).all()
