"""The SQL of the access check every chat call starts with, in one round trip instead of ten: the
chat with the caller's membership, pending invitation, active block and the caller's facts from the
directory's read model (`AccessStore.chat_standing`). `person_facts` reads the facts alone where a
call concerns an organisation rather than a chat. The post path runs this on every message, and a
round trip to PostgreSQL is the dearest thing on it, so it is kept to one."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    DateTime,
    Row,
    Select,
    Uuid,
    and_,
    bindparam,
    exists,
    func,
    select,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from services.messaging.chats.parts import Membership, Standing
from services.messaging.chats.tables import chat_invitations, chat_members, chats
from services.messaging.moderation.tables import chat_blocks
from services.messaging.readmodel.people import Person
from services.messaging.readmodel.store import person_facts, person_facts_columns, person_from


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
            *person_facts_columns(chats.c.organisation_id, user_id, prefix="p_"),
        )
        .select_from(
            chats.outerjoin(
                chat_members, and_(chat_members.c.chat_id == chats.c.id, chat_members.c.user_id == user_id)
            )
        )
        .where(chats.c.id == bindparam("chat_id", type_=Uuid))
    )


class AccessStore:
    """What every feature asks about a chat and its people: the caller's standing, the chat, a
    membership, a person's directory facts."""

    async def get_chat(self, conn: AsyncConnection, chat_id: uuid.UUID) -> Row[Any] | None:
        return (await conn.execute(select(chats).where(chats.c.id == chat_id))).first()

    async def membership(
        self, conn: AsyncConnection, chat_id: uuid.UUID, user_id: uuid.UUID
    ) -> Row[Any] | None:
        query = select(chat_members).where(
            chat_members.c.chat_id == chat_id, chat_members.c.user_id == user_id
        )
        return (await conn.execute(query)).first()

    async def person(self, conn: AsyncConnection, organisation_id: uuid.UUID, user_id: uuid.UUID) -> Person:
        return await person_facts(conn, organisation_id, user_id)

    async def chat_standing(
        self, conn: AsyncConnection, chat_id: uuid.UUID, user_id: uuid.UUID, now: datetime
    ) -> Standing | None:
        """The chat with the person's membership, pending invitation, active block and directory
        facts, in one round trip; None when there is no such chat."""
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
            chat=row,
            membership=membership,
            invited=bool(row.m_invited),
            block_ends_at=row.m_block_ends_at,
            person=person_from(row, user_id, prefix="p_"),
        )


_CHAT_STANDING = _chat_standing_statement()
