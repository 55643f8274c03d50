"""What support asks of the organisations feature, declared as a Protocol that `main` fills with its
store: support imports no other feature's store."""

from __future__ import annotations

import uuid
from typing import Any, Protocol

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection


class Organisations(Protocol):
    """An organisation by id (an answer's notice names it)."""

    async def get_organisation(
        self, conn: AsyncConnection, organisation_id: uuid.UUID
    ) -> Row[Any] | None: ...
