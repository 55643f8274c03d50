"""Attachments' SQL (R-CHAT-3): the metadata of uploaded files, their link to a message, and what the
sweep removes; nothing here decides a rule."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, delete, or_, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.messaging.attachments.tables import attachments
from services.messaging.chats.tables import messages


class AttachmentStore:
    async def insert_attachment(self, conn: AsyncConnection, **values: Any) -> Row[Any]:
        return (await conn.execute(insert(attachments).values(**values).returning(*attachments.c))).one()

    async def get_attachment(self, conn: AsyncConnection, attachment_id: uuid.UUID) -> Row[Any] | None:
        """The attachment with its message's `deleted_at` (NULL too while it is pending)."""
        query = (
            select(attachments, messages.c.deleted_at.label("message_deleted_at"))
            .select_from(
                attachments.outerjoin(
                    messages,
                    and_(
                        messages.c.chat_id == attachments.c.chat_id,
                        messages.c.seq == attachments.c.message_seq,
                    ),
                )
            )
            .where(attachments.c.id == attachment_id)
        )
        return (await conn.execute(query)).one_or_none()

    async def attachments_for_update(self, conn: AsyncConnection, ids: Sequence[uuid.UUID]) -> list[Row[Any]]:
        query = select(attachments).where(attachments.c.id.in_(ids)).with_for_update()
        return list((await conn.execute(query)).all())

    async def attach(
        self, conn: AsyncConnection, chat_id: uuid.UUID, seq: int, ids: Sequence[uuid.UUID], now: datetime
    ) -> None:
        for position, attachment_id in enumerate(ids):
            await conn.execute(
                update(attachments)
                .where(attachments.c.id == attachment_id, attachments.c.chat_id == chat_id)
                .values(message_seq=seq, position=position, attached_at=now)
            )

    async def message_attachments(
        self, conn: AsyncConnection, keys: Sequence[tuple[uuid.UUID, int]]
    ) -> dict[tuple[uuid.UUID, int], list[Row[Any]]]:
        """The attachments of these (chat, seq) messages, in their order."""
        found: dict[tuple[uuid.UUID, int], list[Row[Any]]] = {}
        if not keys:
            return found
        query = (
            select(attachments)
            .where(tuple_(attachments.c.chat_id, attachments.c.message_seq).in_(list(keys)))
            .order_by(attachments.c.chat_id, attachments.c.message_seq, attachments.c.position)
        )
        for row in (await conn.execute(query)).all():
            found.setdefault((row.chat_id, int(row.message_seq)), []).append(row)
        return found

    async def sweepable_attachments(
        self, conn: AsyncConnection, pending_before: datetime, limit: int
    ) -> list[Row[Any]]:
        """Uploads never attached since `pending_before`, and attachments of deleted messages."""
        deleted_message = (
            select(messages.c.seq)
            .where(
                messages.c.chat_id == attachments.c.chat_id,
                messages.c.seq == attachments.c.message_seq,
                messages.c.deleted_at.is_not(None),
            )
            .exists()
        )
        query = (
            select(attachments)
            .where(
                or_(
                    and_(attachments.c.message_seq.is_(None), attachments.c.created_at < pending_before),
                    deleted_message,
                )
            )
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list((await conn.execute(query)).all())

    async def delete_attachments(self, conn: AsyncConnection, ids: Sequence[uuid.UUID]) -> None:
        if ids:
            await conn.execute(delete(attachments).where(attachments.c.id.in_(ids)))
