"""The SQL of the access check every chat call starts with, in two round trips instead of ten: the
chat with the caller's membership, pending invitation and active block in one query
(`AccessStore.chat_standing`), and the caller's facts from the directory's read model in another
(`person_facts`). The post path runs these on every message, so they are kept this small."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Row, Select, Uuid, and_, bindparam, exists, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.messaging.rules import Person
from services.messaging.schema import (
    chat_blocks,
    chat_invitations,
    chat_members,
    chats,
    dir_classes,
    dir_members,
    dir_parent_links,
    dir_student_classes,
    dir_subject_teachers,
)


@dataclass(frozen=True)
class Membership:
    """The caller's row in `chat_members`."""

    chat_id: uuid.UUID
    user_id: uuid.UUID
    rules_version: int
    last_read_seq: int
    joined_at: datetime


@dataclass(frozen=True)
class Standing:
    """A chat and where one person stands in it."""

    chat: Row[Any]
    membership: Membership | None
    invited: bool
    # The end of the block holding now (R-MOD-3), if any.
    block_ends_at: datetime | None


def _chat_standing_statement() -> Select[Any]:
    """Built once: the access check runs on every chat call, so the select and its cache key are
    not made anew each time; the values come as bound parameters."""
    user_id = bindparam("user_id", type_=Uuid)
    invited = exists().where(
        chat_invitations.c.chat_id == chats.c.id,
        chat_invitations.c.user_id == user_id,
        chat_invitations.c.status == "pending",
    )
    block_ends = (
        select(func.max(chat_blocks.c.ends_at))
        .where(
            chat_blocks.c.chat_id == chats.c.id,
            chat_blocks.c.user_id == user_id,
            chat_blocks.c.lifted_at.is_(None),
            chat_blocks.c.ends_at > bindparam("now", type_=DateTime(timezone=True)),
        )
        .scalar_subquery()
    )
    return (
        select(
            chats,
            chat_members.c.user_id.label("m_user_id"),
            chat_members.c.rules_version.label("m_rules_version"),
            chat_members.c.last_read_seq.label("m_last_read_seq"),
            chat_members.c.joined_at.label("m_joined_at"),
            invited.label("m_invited"),
            block_ends.label("m_block_ends_at"),
        )
        .select_from(
            chats.outerjoin(
                chat_members, and_(chat_members.c.chat_id == chats.c.id, chat_members.c.user_id == user_id)
            )
        )
        .where(chats.c.id == bindparam("chat_id", type_=Uuid))
    )


_CHAT_STANDING = _chat_standing_statement()


class AccessStore:
    async def chat_standing(
        self, conn: AsyncConnection, chat_id: uuid.UUID, user_id: uuid.UUID, now: datetime
    ) -> Standing | None:
        """The chat with the person's membership, pending invitation and active block; None when
        there is no such chat."""
        params = {"chat_id": chat_id, "user_id": user_id, "now": now}
        row = (await conn.execute(_CHAT_STANDING, params)).first()
        if row is None:
            return None
        membership = (
            Membership(
                chat_id=row.id,
                user_id=row.m_user_id,
                rules_version=int(row.m_rules_version),
                last_read_seq=int(row.m_last_read_seq),
                joined_at=row.m_joined_at,
            )
            if row.m_user_id is not None
            else None
        )
        return Standing(
            chat=row, membership=membership, invited=bool(row.m_invited), block_ends_at=row.m_block_ends_at
        )


def _person_facts_statement() -> Select[Any]:
    """Built once, like `_CHAT_STANDING`."""
    organisation_id = bindparam("org", type_=Uuid)
    user_id = bindparam("user_id", type_=Uuid)
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
    return select(
        roles.scalar_subquery().label("roles"),
        student_class.limit(1).scalar_subquery().label("student_class"),
        children.scalar_subquery().label("children"),
        teacher_of.scalar_subquery().label("teacher_of"),
        subjects.scalar_subquery().label("subjects"),
    )


_PERSON_FACTS = _person_facts_statement()


async def person_facts(conn: AsyncConnection, organisation_id: uuid.UUID, user_id: uuid.UUID) -> Person:
    """What the directory's read model says about the person here, in one round trip."""
    row = (await conn.execute(_PERSON_FACTS, {"org": organisation_id, "user_id": user_id})).one()
    if not row.roles:
        return Person(user_id=user_id)
    return Person(
        user_id=user_id,
        roles=frozenset(row.roles),
        student_class=row.student_class,
        children_classes=frozenset(row.children or ()),
        class_teacher_of=frozenset(row.teacher_of or ()),
        subjects=frozenset((uuid.UUID(cid), subject) for cid, subject in (row.subjects or ())),
    )
