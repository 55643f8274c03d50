"""SQL of people's paths: join requests (R-INV-3), movement (R-MOVE-1), support requests (R-PRIV-4),
the academic-year rollover, and identity's verification decisions (the badge, R-ROLE-2).

Every method takes the connection of a transaction the caller opened; nothing here decides a rule."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Row, and_, delete, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.directory.schema import (
    class_teachers,
    classes,
    join_code_failures,
    join_requests,
    movements,
    organisations,
    parent_claims,
    parent_links,
    person_names,
    student_classes,
    subject_assignments,
    support_requests,
)


@dataclass(frozen=True)
class JoinCodeFailures:
    """Unknown join codes within the window: by one person, and from their address in all."""

    person: int
    person_oldest: datetime | None
    address: int
    address_oldest: datetime | None


class PeopleStore:
    # --- join requests (R-INV-3) ----------------------------------------------------------
    async def organisation_by_join_code(self, conn: AsyncConnection, code: str) -> Row[Any] | None:
        query = select(organisations).where(func.upper(organisations.c.join_code) == code.upper())
        return (await conn.execute(query)).first()

    async def record_join_code_failure(
        self, conn: AsyncConnection, client_address: str, user_id: uuid.UUID, forget_before: datetime
    ) -> None:
        """Count one unknown join code; failures older than `forget_before` are dropped."""
        await conn.execute(
            join_code_failures.delete().where(
                join_code_failures.c.client_address == client_address,
                join_code_failures.c.at < forget_before,
            )
        )
        await conn.execute(join_code_failures.insert().values(client_address=client_address, user_id=user_id))

    async def join_code_failures_since(
        self, conn: AsyncConnection, client_address: str, user_id: uuid.UUID, since: datetime
    ) -> JoinCodeFailures:
        """Unknown join codes tried since `since`: by this person, and from this address in all."""
        mine = join_code_failures.c.user_id == user_id
        here = join_code_failures.c.client_address == client_address
        row = (
            await conn.execute(
                select(
                    func.count().filter(mine),
                    func.min(join_code_failures.c.at).filter(mine),
                    func.count().filter(here),
                    func.min(join_code_failures.c.at).filter(here),
                ).where(or_(mine, here), join_code_failures.c.at >= since)
            )
        ).one()
        return JoinCodeFailures(int(row[0]), row[1], int(row[2]), row[3])

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

    async def staff_room(self, conn: AsyncConnection, organisation_id: uuid.UUID) -> Row[Any] | None:
        query = select(classes).where(
            classes.c.organisation_id == organisation_id, classes.c.kind == "staff_room"
        )
        return (await conn.execute(query)).first()

    async def insert_join_request(self, conn: AsyncConnection, **values: Any) -> Row[Any] | None:
        """None when the person already has a pending request to this organisation."""
        stmt = (
            insert(join_requests)
            .values(id=uuid.uuid4(), status="pending", **values)
            .on_conflict_do_nothing(
                index_elements=[join_requests.c.organisation_id, join_requests.c.user_id],
                # A literal, not a bound parameter: PostgreSQL infers the partial index from it.
                index_where=text("status = 'pending'"),
            )
            .returning(join_requests)
        )
        return cast("Row[Any] | None", (await conn.execute(stmt)).first())

    async def get_join_request(
        self, conn: AsyncConnection, request_id: uuid.UUID, *, for_update: bool = False
    ) -> Row[Any] | None:
        query = select(join_requests).where(join_requests.c.id == request_id)
        if for_update:
            query = query.with_for_update()
        return (await conn.execute(query)).first()

    async def list_join_requests(
        self,
        conn: AsyncConnection,
        organisation_id: uuid.UUID,
        *,
        status: str | None,
        class_ids: Collection[uuid.UUID] | None = None,
        roles: Collection[str] | None = None,
    ) -> Sequence[Row[Any]]:
        """Requests to one organisation; `class_ids`/`roles` narrow them (a class teacher's view)."""
        query = select(join_requests).where(join_requests.c.organisation_id == organisation_id)
        if status is not None:
            query = query.where(join_requests.c.status == status)
        if class_ids is not None:
            query = query.where(join_requests.c.class_id.in_(list(class_ids)))
        if roles is not None:
            query = query.where(join_requests.c.role.in_(list(roles)))
        return (await conn.execute(query.order_by(join_requests.c.created_at))).all()

    async def decide_join_request(
        self, conn: AsyncConnection, request_id: uuid.UUID, **values: Any
    ) -> Row[Any]:
        result = await conn.execute(
            update(join_requests)
            .where(join_requests.c.id == request_id)
            .values(decided_at=func.now(), **values)
            .returning(join_requests)
        )
        return cast("Row[Any]", result.one())

    # --- movement (R-MOVE-1) --------------------------------------------------------------
    async def insert_movement(self, conn: AsyncConnection, **values: Any) -> Row[Any]:
        result = await conn.execute(movements.insert().values(id=uuid.uuid4(), **values).returning(movements))
        return cast("Row[Any]", result.one())

    async def list_movements(
        self, conn: AsyncConnection, organisation_id: uuid.UUID, user_id: uuid.UUID | None
    ) -> Sequence[Row[Any]]:
        query = select(movements).where(movements.c.organisation_id == organisation_id)
        if user_id is not None:
            query = query.where(movements.c.user_id == user_id)
        return (await conn.execute(query.order_by(movements.c.recorded_at, movements.c.id))).all()

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

    # --- the academic-year rollover -------------------------------------------------------
    async def lock_organisation(self, conn: AsyncConnection, organisation_id: uuid.UUID) -> Row[Any] | None:
        query = select(organisations).where(organisations.c.id == organisation_id).with_for_update()
        return (await conn.execute(query)).first()

    async def students_of_class(self, conn: AsyncConnection, class_id: uuid.UUID) -> list[uuid.UUID]:
        rows = await conn.scalars(
            select(student_classes.c.user_id)
            .where(student_classes.c.class_id == class_id)
            .order_by(student_classes.c.user_id)
        )
        return list(rows)

    async def class_by_name(
        self, conn: AsyncConnection, organisation_id: uuid.UUID, name: str, academic_year: str
    ) -> Row[Any] | None:
        query = select(classes).where(
            classes.c.organisation_id == organisation_id,
            classes.c.name == name,
            classes.c.academic_year == academic_year,
        )
        return (await conn.execute(query)).first()

    # --- support requests (R-PRIV-4) ------------------------------------------------------
    async def insert_support_request(self, conn: AsyncConnection, **values: Any) -> Row[Any]:
        result = await conn.execute(
            support_requests.insert()
            .values(id=uuid.uuid4(), status="open", **values)
            .returning(support_requests)
        )
        return cast("Row[Any]", result.one())

    async def get_support_request(
        self, conn: AsyncConnection, request_id: uuid.UUID, *, for_update: bool = False
    ) -> Row[Any] | None:
        query = select(support_requests).where(support_requests.c.id == request_id)
        if for_update:
            query = query.with_for_update()
        return (await conn.execute(query)).first()

    async def list_support_requests(
        self,
        conn: AsyncConnection,
        *,
        organisation_id: uuid.UUID | None,
        visible_addressees: Collection[str],
        author_id: uuid.UUID | None,
        addressee: str | None,
        status: str | None,
    ) -> Sequence[Row[Any]]:
        """Requests addressed to one of `visible_addressees`, or written by `author_id`; in one
        organisation, or in all when `organisation_id` is None."""
        seen: list[ColumnElement[bool]] = (
            [support_requests.c.addressee.in_(list(visible_addressees))] if visible_addressees else []
        )
        if author_id is not None:
            seen.append(support_requests.c.author_id == author_id)
        if not seen:
            return []
        conditions = [or_(*seen)]
        if organisation_id is not None:
            conditions.append(support_requests.c.organisation_id == organisation_id)
        if addressee is not None:
            conditions.append(support_requests.c.addressee == addressee)
        if status is not None:
            conditions.append(support_requests.c.status == status)
        query = select(support_requests).where(and_(*conditions)).order_by(support_requests.c.created_at)
        return (await conn.execute(query)).all()

    async def update_support_request(
        self, conn: AsyncConnection, request_id: uuid.UUID, values: dict[str, Any]
    ) -> Row[Any]:
        result = await conn.execute(
            update(support_requests)
            .where(support_requests.c.id == request_id)
            .values(updated_at=func.now(), **values)
            .returning(support_requests)
        )
        return cast("Row[Any]", result.one())
