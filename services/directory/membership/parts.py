"""What membership asks of the organisations feature, declared here so that membership never imports
it; `main` fills them: whether a login is operator staff and a class by id (the organisations store),
and a class as the contract shows it (the organisations api's `class_message`)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from parta.directory.v1 import directory_pb2 as pb


class Operators(Protocol):
    async def is_operator(self, conn: AsyncConnection, logins: Sequence[str]) -> bool: ...


class Classes(Protocol):
    async def get_class(self, conn: AsyncConnection, class_id: uuid.UUID) -> Row[Any] | None: ...


# A class row as the contract's `Class` (an appointment's reply names the class it is about).
ClassMessage = Callable[[Row[Any]], pb.Class]
