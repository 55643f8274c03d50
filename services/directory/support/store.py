"""SQL of support requests (R-PRIV-4). Every method takes the connection of a transaction the caller
opened; nothing here decides a rule."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from typing import Any, cast

from sqlalchemy import ColumnElement, Row, and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from services.directory.support.tables import (
    support_requests,
)


class SupportStore:
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
