"""The directory as messaging knows it from directory's events: the read model's SQL, written only by
the directory consumer (chats/events.py) with upserts, so a replayed event changes nothing. Every
method takes the connection of a transaction the caller opened."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import (
    JSON,
    BindParameter,
    ColumnElement,
    Label,
    Row,
    Uuid,
    and_,
    bindparam,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.common.upsert import excluded_of, upsert
from services.messaging.readmodel.people import Person
from services.messaging.readmodel.tables import (
    dir_classes,
    dir_members,
    dir_organisations,
    dir_parent_links,
    dir_student_classes,
    dir_subject_teachers,
)


class ReadModelStore:
    """The directory as messaging knows it from directory's events."""

    async def upsert_organisation(
        self, conn: AsyncConnection, organisation_id: uuid.UUID, name: str, staff_room_id: uuid.UUID | None
    ) -> None:
        values = {"id": organisation_id, "name": name, "staff_room_id": staff_room_id}
        await conn.execute(upsert(dir_organisations, values, key=("id",), take=("name", "staff_room_id")))

    async def rename_organisation(self, conn: AsyncConnection, organisation_id: uuid.UUID, name: str) -> None:
        await conn.execute(
            update(dir_organisations).where(dir_organisations.c.id == organisation_id).values(name=name)
        )

    async def upsert_class(
        self, conn: AsyncConnection, class_id: uuid.UUID, organisation_id: uuid.UUID, name: str, kind: str
    ) -> None:
        values = {"id": class_id, "organisation_id": organisation_id, "name": name, "kind": kind}
        await conn.execute(upsert(dir_classes, values, key=("id",), take=("name", "kind")))

    async def set_class_teacher(
        self, conn: AsyncConnection, organisation_id: uuid.UUID, class_id: uuid.UUID, user_id: uuid.UUID
    ) -> None:
        # A class not heard of yet gets a placeholder name and kind until its own event comes.
        values = {
            "id": class_id,
            "organisation_id": organisation_id,
            "name": "",
            "kind": "class",
            "class_teacher_id": user_id,
        }
        await conn.execute(upsert(dir_classes, values, key=("id",), take=("class_teacher_id",)))

    async def set_subject_teacher(
        self,
        conn: AsyncConnection,
        organisation_id: uuid.UUID,
        class_id: uuid.UUID,
        subject: str,
        user_id: uuid.UUID,
    ) -> None:
        values = {
            "class_id": class_id,
            "subject": subject,
            "organisation_id": organisation_id,
            "user_id": user_id,
        }
        await conn.execute(
            upsert(dir_subject_teachers, values, key=("class_id", "subject"), take=("user_id",))
        )

    async def apply_roles(
        self,
        conn: AsyncConnection,
        organisation_id: uuid.UUID,
        user_id: uuid.UUID,
        roles: Sequence[str],
        version: int,
    ) -> bool:
        """Replace the member's roles unless what we hold is newer; True when applied."""
        values = {
            "organisation_id": organisation_id,
            "user_id": user_id,
            "roles": list(roles),
            "version": version,
        }
        applied = await conn.scalar(
            upsert(
                dir_members,
                values,
                key=("organisation_id", "user_id"),
                take=("roles", "version"),
                where=dir_members.c.version < excluded_of(dir_members).version,
            ).returning(dir_members.c.user_id)
        )
        return applied is not None

    async def drop_roles(
        self,
        conn: AsyncConnection,
        organisation_id: uuid.UUID,
        user_id: uuid.UUID,
        former: Iterable[str] | None,
    ) -> None:
        """Take the `former` roles away (all roles when None); the others stay, e.g. the parent role
        of a teacher who quits their job (R-MOVE-2)."""
        where = (dir_members.c.organisation_id == organisation_id, dir_members.c.user_id == user_id)
        if former is None:
            await conn.execute(update(dir_members).where(*where).values(roles=[]))
            return
        current = await conn.scalar(select(dir_members.c.roles).where(*where).with_for_update())
        if current is None:
            return
        gone = set(former)
        await conn.execute(
            update(dir_members).where(*where).values(roles=[r for r in current if r not in gone])
        )

    async def set_student_class(
        self, conn: AsyncConnection, organisation_id: uuid.UUID, user_id: uuid.UUID, class_id: uuid.UUID
    ) -> None:
        values = {"organisation_id": organisation_id, "user_id": user_id, "class_id": class_id}
        await conn.execute(
            upsert(dir_student_classes, values, key=("organisation_id", "user_id"), take=("class_id",))
        )

    async def forget_student(
        self, conn: AsyncConnection, organisation_id: uuid.UUID, user_id: uuid.UUID
    ) -> None:
        await conn.execute(
            delete(dir_student_classes).where(
                dir_student_classes.c.organisation_id == organisation_id,
                dir_student_classes.c.user_id == user_id,
            )
        )
        await conn.execute(
            delete(dir_parent_links).where(
                dir_parent_links.c.organisation_id == organisation_id, dir_parent_links.c.child_id == user_id
            )
        )

    async def link_parent(
        self, conn: AsyncConnection, organisation_id: uuid.UUID, parent_id: uuid.UUID, child_id: uuid.UUID
    ) -> None:
        await conn.execute(
            insert(dir_parent_links)
            .values(organisation_id=organisation_id, parent_id=parent_id, child_id=child_id)
            .on_conflict_do_nothing()
        )

    async def person(self, conn: AsyncConnection, organisation_id: uuid.UUID, user_id: uuid.UUID) -> Person:
        return await person_facts(conn, organisation_id, user_id)

    async def get_class(self, conn: AsyncConnection, class_id: uuid.UUID) -> Row[Any] | None:
        return (await conn.execute(select(dir_classes).where(dir_classes.c.id == class_id))).first()

    async def students_of_class(self, conn: AsyncConnection, class_id: uuid.UUID) -> list[uuid.UUID]:
        rows = await conn.scalars(
            select(dir_student_classes.c.user_id).where(dir_student_classes.c.class_id == class_id)
        )
        return list(rows)

    async def parents_of_class(self, conn: AsyncConnection, class_id: uuid.UUID) -> list[uuid.UUID]:
        rows = await conn.scalars(
            select(dir_parent_links.c.parent_id)
            .distinct()
            .join(
                dir_student_classes,
                and_(
                    dir_parent_links.c.organisation_id == dir_student_classes.c.organisation_id,
                    dir_parent_links.c.child_id == dir_student_classes.c.user_id,
                ),
            )
            .where(dir_student_classes.c.class_id == class_id)
        )
        return list(rows)

    async def subject_teachers_of_class(self, conn: AsyncConnection, class_id: uuid.UUID) -> list[uuid.UUID]:
        rows = await conn.scalars(
            select(dir_subject_teachers.c.user_id)
            .distinct()
            .where(dir_subject_teachers.c.class_id == class_id)
        )
        return list(rows)


def person_facts_columns(
    organisation_id: ColumnElement[Any], user_id: BindParameter[Any], *, prefix: str = ""
) -> list[Label[Any]]:
    """The person's roles, class, children's classes, classes taught as class teacher and subjects,
    each a scalar subquery of `organisation_id` (a bound value, or the chat's column)."""
    students, links = dir_student_classes, dir_parent_links
    roles = select(dir_members.c.roles).where(
        dir_members.c.organisation_id == organisation_id, dir_members.c.user_id == user_id
    )
    student_class = select(students.c.class_id).where(
        students.c.organisation_id == organisation_id, students.c.user_id == user_id
    )
    children = (
        select(func.array_agg(students.c.class_id))
        .select_from(
            students.join(
                links,
                and_(
                    links.c.organisation_id == students.c.organisation_id,
                    links.c.child_id == students.c.user_id,
                ),
            )
        )
        .where(links.c.organisation_id == organisation_id, links.c.parent_id == user_id)
    )
    teacher_of = select(func.array_agg(dir_classes.c.id)).where(
        dir_classes.c.organisation_id == organisation_id, dir_classes.c.class_teacher_id == user_id
    )
    subjects = select(
        func.json_agg(
            func.json_build_array(dir_subject_teachers.c.class_id, dir_subject_teachers.c.subject),
            type_=JSON,
        )
    ).where(
        dir_subject_teachers.c.organisation_id == organisation_id,
        dir_subject_teachers.c.user_id == user_id,
    )
    return [
        roles.scalar_subquery().label(prefix + "roles"),
        student_class.limit(1).scalar_subquery().label(prefix + "student_class"),
        children.scalar_subquery().label(prefix + "children"),
        teacher_of.scalar_subquery().label(prefix + "teacher_of"),
        subjects.scalar_subquery().label(prefix + "subjects"),
    ]


def person_from(row: Row[Any], user_id: uuid.UUID, *, prefix: str = "") -> Person:
    facts = row._mapping
    roles = facts[prefix + "roles"]
    if not roles:
        return Person(user_id=user_id)
    return Person(
        user_id=user_id,
        roles=frozenset(roles),
        student_class=facts[prefix + "student_class"],
        children_classes=frozenset(facts[prefix + "children"] or ()),
        class_teacher_of=frozenset(facts[prefix + "teacher_of"] or ()),
        subjects=frozenset((uuid.UUID(cid), subject) for cid, subject in (facts[prefix + "subjects"] or ())),
    )


_PERSON_FACTS = select(*person_facts_columns(bindparam("org", type_=Uuid), bindparam("user_id", type_=Uuid)))


async def person_facts(conn: AsyncConnection, organisation_id: uuid.UUID, user_id: uuid.UUID) -> Person:
    """What the directory's read model says about the person here, in one round trip."""
    row = (await conn.execute(_PERSON_FACTS, {"org": organisation_id, "user_id": user_id})).one()
    return person_from(row, user_id)
