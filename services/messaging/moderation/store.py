"""Moderation's SQL (R-MOD-1..5): named moderators, violations, blocks, moderators' tombstones and the
append-only audit log. Every method takes the connection of the caller's transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.messaging.chats.tables import messages
from services.messaging.moderation.tables import (
    chat_blocks,
    chat_moderators,
    chat_violations,
    moderation_audit,
)


class ModerationStore:
    async def is_named_moderator(self, conn: AsyncConnection, chat_id: uuid.UUID, user_id: uuid.UUID) -> bool:
        found = await conn.scalar(
            select(func.count()).where(
                chat_moderators.c.chat_id == chat_id, chat_moderators.c.user_id == user_id
            )
        )
        return bool(found)

    async def name_moderator(
        self, conn: AsyncConnection, chat_id: uuid.UUID, user_id: uuid.UUID, named_by: uuid.UUID
    ) -> bool:
        """True when newly named; naming a moderator again changes nothing."""
        inserted = await conn.scalar(
            insert(chat_moderators)
            .values(chat_id=chat_id, user_id=user_id, named_by=named_by)
            .on_conflict_do_nothing()
            .returning(chat_moderators.c.user_id)
        )
        return inserted is not None

    async def get_moderator(
        self, conn: AsyncConnection, chat_id: uuid.UUID, user_id: uuid.UUID
    ) -> Row[Any] | None:
        query = select(chat_moderators).where(
            chat_moderators.c.chat_id == chat_id, chat_moderators.c.user_id == user_id
        )
        return (await conn.execute(query)).first()

    async def drop_moderator(self, conn: AsyncConnection, chat_id: uuid.UUID, user_id: uuid.UUID) -> None:
        await conn.execute(
            chat_moderators.delete().where(
                chat_moderators.c.chat_id == chat_id, chat_moderators.c.user_id == user_id
            )
        )

    async def moderate_message(
        self, conn: AsyncConnection, chat_id: uuid.UUID, seq: int, by: uuid.UUID, rule: int, reason: str
    ) -> Row[Any]:
        """A moderator's tombstone: the text goes, who deleted it and why stay."""
        result = await conn.execute(
            update(messages)
            .where(messages.c.chat_id == chat_id, messages.c.seq == seq)
            .values(
                text="",
                deleted_at=func.coalesce(messages.c.deleted_at, func.now()),
                deleted_by=by,
                delete_rule=rule,
                delete_reason=reason,
            )
            .returning(*messages.c)
        )
        return result.one()

    # --- violations (R-MOD-2) -------------------------------------------------------------------
    async def insert_violation(self, conn: AsyncConnection, **values: Any) -> Row[Any]:
        result = await conn.execute(
            insert(chat_violations).values(id=uuid.uuid4(), **values).returning(*chat_violations.c)
        )
        return result.one()

    async def violations(
        self, conn: AsyncConnection, chat_id: uuid.UUID, user_id: uuid.UUID | None
    ) -> Sequence[Row[Any]]:
        query = select(chat_violations).where(chat_violations.c.chat_id == chat_id)
        if user_id is not None:
            query = query.where(chat_violations.c.user_id == user_id)
        return (await conn.execute(query.order_by(chat_violations.c.created_at))).all()

    async def violation_count(self, conn: AsyncConnection, chat_id: uuid.UUID, user_id: uuid.UUID) -> int:
        count = await conn.scalar(
            select(func.count()).where(
                chat_violations.c.chat_id == chat_id, chat_violations.c.user_id == user_id
            )
        )
        return int(count or 0)

    # --- blocks (R-MOD-3, R-MOD-4) --------------------------------------------------------------
    async def insert_block(self, conn: AsyncConnection, **values: Any) -> Row[Any]:
        result = await conn.execute(
            insert(chat_blocks).values(id=uuid.uuid4(), **values).returning(*chat_blocks.c)
        )
        return result.one()

    async def active_block(
        self, conn: AsyncConnection, chat_id: uuid.UUID, user_id: uuid.UUID, now: datetime
    ) -> Row[Any] | None:
        """The block holding now, if any: not lifted and not yet ended (a block lifts itself)."""
        query = (
            select(chat_blocks)
            .where(
                chat_blocks.c.chat_id == chat_id,
                chat_blocks.c.user_id == user_id,
                chat_blocks.c.lifted_at.is_(None),
                chat_blocks.c.ends_at > now,
            )
            .order_by(chat_blocks.c.ends_at.desc())
        )
        return (await conn.execute(query)).first()

    async def active_blocks(
        self, conn: AsyncConnection, chat_id: uuid.UUID, user_id: uuid.UUID | None, now: datetime
    ) -> Sequence[Row[Any]]:
        """The blocks holding now in a chat (or one member's), the latest end first."""
        query = select(chat_blocks).where(
            chat_blocks.c.chat_id == chat_id,
            chat_blocks.c.lifted_at.is_(None),
            chat_blocks.c.ends_at > now,
        )
        if user_id is not None:
            query = query.where(chat_blocks.c.user_id == user_id)
        return (await conn.execute(query.order_by(chat_blocks.c.ends_at.desc()))).all()

    async def lift_block(
        self, conn: AsyncConnection, block_id: uuid.UUID, by: uuid.UUID, reason: str
    ) -> Row[Any]:
        result = await conn.execute(
            update(chat_blocks)
            .where(chat_blocks.c.id == block_id)
            .values(lifted_at=func.now(), lifted_by=by, lift_reason=reason)
            .returning(*chat_blocks.c)
        )
        return result.one()

    # --- the audit log (R-MOD-5) ----------------------------------------------------------------
    async def audit(self, conn: AsyncConnection, **values: Any) -> Row[Any]:
        result = await conn.execute(insert(moderation_audit).values(**values).returning(*moderation_audit.c))
        return result.one()

    async def audit_page(
        self, conn: AsyncConnection, chat_id: uuid.UUID, *, before: int, limit: int
    ) -> tuple[list[Row[Any]], bool]:
        query = select(moderation_audit).where(moderation_audit.c.chat_id == chat_id)
        if before:
            query = query.where(moderation_audit.c.id < before)
        rows = list((await conn.execute(query.order_by(moderation_audit.c.id.desc()).limit(limit + 1))).all())
        return rows[:limit], len(rows) > limit
