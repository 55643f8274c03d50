"""SQL of movement: the `movements` rows, kept for good (R-MOVE-1). Every method takes the connection of a
transaction the caller opened; nothing here decides a rule."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.directory.movement.tables import (
    movements,
)


class MovementStore:
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
