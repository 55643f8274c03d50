"""What membership asks of the organisations feature, declared as small Protocols that `main` fills
with the organisations store: whether a login is operator staff, and a class by id."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, Protocol

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection


class Operators(Protocol):
    async def is_operator(self, conn: AsyncConnection, logins: Sequence[str]) -> bool: ...


class Classes(Protocol):
    async def get_class(self, conn: AsyncConnection, class_id: uuid.UUID) -> Row[Any] | None: ...
