"""The notices' SQL: who administers an organisation (identity's `org_roles` read model of
directory's memberships) and where a person can be told something (their own contact)."""

from __future__ import annotations

import uuid
from typing import Any, cast

from sqlalchemy import Row, any_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.identity.schema import org_roles, users


class NoticeStore:
    async def holders_of(
        self, conn: AsyncConnection, organisation_id: uuid.UUID, role: str
    ) -> list[uuid.UUID]:
        """The people holding `role` in the organisation, as far as identity knows."""
        rows = await conn.scalars(
            select(org_roles.c.user_id).where(
                org_roles.c.organisation_id == organisation_id, any_(org_roles.c.roles) == role
            )
        )
        return list(rows)

    async def contact(self, conn: AsyncConnection, user_id: uuid.UUID) -> Row[Any] | None:
        """The person's phone, e-mail and (a child account) guardian's e-mail."""
        query = select(users.c.phone, users.c.email, users.c.guardian_email).where(users.c.id == user_id)
        return cast("Row[Any] | None", (await conn.execute(query)).first())
