"""Chat invite links' SQL (R-CHAT-6): the links (token hashes, expiry, use limit, uses, revocation);
the failed look-ups of unknown tokens are the shared `LinkFailures` over `chat_link_failures`. The
tables are created by migrations/versions/0004_search_links.py. Every method takes the connection of
the caller's transaction; nothing here decides a rule."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
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

from services.common.link_failures import LinkFailures
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
    def __init__(self) -> None:
        # Failed look-ups of unknown tokens (`services/common/link_failures.py`).
        self.failures = LinkFailures(chat_link_failures)

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

    async def organisation_name(self, conn: AsyncConnection, organisation_id: uuid.UUID) -> str:
        name = await conn.scalar(
            select(dir_organisations.c.name).where(dir_organisations.c.id == organisation_id)
        )
        return str(name or "")
