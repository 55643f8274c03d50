"""What organisations asks of the membership feature, declared as a Protocol that `main` fills with
its store: organisations imports no other feature's store."""

from __future__ import annotations

import uuid
from typing import Any, Protocol

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from services.directory.membership.roles import RoleStore


class Members(RoleStore, Protocol):
    """A member's roles, read and changed (the administrator named in an application, R-ORG-3)."""

    async def membership(
        self,
        conn: AsyncConnection,
        organisation_id: uuid.UUID,
        user_id: uuid.UUID,
        *,
        for_update: bool = False,
    ) -> Row[Any] | None: ...
