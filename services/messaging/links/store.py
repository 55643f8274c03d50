"""Chat invite links' SQL (R-CHAT-6): the links (token hashes, expiry, use limit, uses, revocation)
and the failed look-ups of unknown tokens per client address. The tables are created by
migrations/versions/0004_search_links.py. Every method takes the connection of the caller's
transaction; nothing here decides a rule."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Row,
    and_,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from services.common.link_tokens import Failures
from services.messaging.links.tables import chat_link_failures, chat_links
from services.messaging.readmodel.tables import dir_organisations

LIST_LIMIT = 100


def _usable() -> Any:
    """Not revoked, not expired, not used up — checked by the database at the moment of the update."""
    return and_(
        chat_links.c.revoked_at.is_(None),
        chat_links.c.expires_at > func.now(),
        or_(chat_links.c.max_uses.is_(None), chat_links.c.uses < chat_links.c.max_uses),
    )


class ChatLinkStore:
    async def insert_link(self, conn: AsyncConnection, **values: Any) -> Row[Any]:
        result = await conn.execute(
            chat_links.insert().values(id=uuid.uuid4(), **values).returning(*chat_links.c)
        )
        return result.one()

    async def link_by_hash(self, conn: AsyncConnection, token_hash: bytes) -> Row[Any] | None:
        return (await conn.execute(select(chat_links).where(chat_links.c.token_hash == token_hash))).first()

    async def get_link(self, conn: AsyncConnection, link_id: uuid.UUID) -> Row[Any] | None:
        return (await conn.execute(select(chat_links).where(chat_links.c.id == link_id))).first()

    async def chat_links(self, conn: AsyncConnection, chat_id: uuid.UUID) -> Sequence[Row[Any]]:
        query = (
            select(chat_links)
            .where(chat_links.c.chat_id == chat_id)
            .order_by(chat_links.c.created_at.desc())
            .limit(LIST_LIMIT)
        )
        return (await conn.execute(query)).all()

    async def revoke_link(self, conn: AsyncConnection, link_id: uuid.UUID, by: uuid.UUID) -> Row[Any]:
        """Revoke (a revoked link keeps its first revocation)."""
        result = await conn.execute(
            update(chat_links)
            .where(chat_links.c.id == link_id)
            .values(
                revoked_at=func.coalesce(chat_links.c.revoked_at, func.now()),
                revoked_by=func.coalesce(chat_links.c.revoked_by, by),
            )
            .returning(*chat_links.c)
        )
        return result.one()

    async def revoke_usable_links(self, conn: AsyncConnection, chat_id: uuid.UUID, by: uuid.UUID) -> int:
        result = await conn.execute(
            update(chat_links)
            .where(chat_links.c.chat_id == chat_id, _usable())
            .values(revoked_at=func.now(), revoked_by=by)
            .returning(chat_links.c.id)
        )
        return len(result.all())

    async def count_link_use(self, conn: AsyncConnection, link_id: uuid.UUID) -> bool:
        """Count one use unless the link stopped being usable. Concurrent uses queue on the row and
        each re-checks the limit after the one before commits, so the limit is never exceeded."""
        counted = await conn.scalar(
            update(chat_links)
            .where(chat_links.c.id == link_id, _usable())
            .values(uses=chat_links.c.uses + 1)
            .returning(chat_links.c.id)
        )
        return counted is not None

    async def record_link_failure(
        self, conn: AsyncConnection, client_address: str, token_prefix: str, forget_before: datetime
    ) -> None:
        """Count one failed look-up; the address's failures older than `forget_before` are dropped."""
        await conn.execute(
            chat_link_failures.delete().where(
                chat_link_failures.c.client_address == client_address,
                chat_link_failures.c.at < forget_before,
            )
        )
        await conn.execute(
            chat_link_failures.insert().values(client_address=client_address, token_prefix=token_prefix)
        )

    async def link_failures_since(
        self, conn: AsyncConnection, client_address: str, token_prefix: str, since: datetime
    ) -> Failures:
        """Failed look-ups of an address since `since`: with this token prefix, and in all."""
        same = chat_link_failures.c.token_prefix == token_prefix
        row = (
            await conn.execute(
                select(
                    func.count().filter(same),
                    func.min(chat_link_failures.c.at).filter(same),
                    func.count(),
                    func.min(chat_link_failures.c.at),
                ).where(
                    chat_link_failures.c.client_address == client_address,
                    chat_link_failures.c.at >= since,
                )
            )
        ).one()
        return Failures(int(row[0]), row[1], int(row[2]), row[3])

    async def organisation_name(self, conn: AsyncConnection, organisation_id: uuid.UUID) -> str:
        name = await conn.scalar(
            select(dir_organisations.c.name).where(dir_organisations.c.id == organisation_id)
        )
        return str(name or "")
