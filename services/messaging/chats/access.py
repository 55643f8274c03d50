"""Who may see a chat and act in it — the closed space of R-ORG-1 applied to chats.

A chat exists only for the people it concerns: its members, the people who may join it by
themselves (its audience, R-CHAT-1) and those invited to it. To anyone else — another class's
student, another school's member, an outsider — it does not exist: NOT_FOUND, never its data
(R-ORG-1, R-PRIV-1, R-INV-5). Being in the organisation is checked against the read model at every
call, so someone who leaves loses access as soon as the directory's event arrives.

`Access` is what chats and (as `parts.Access`) every other feature ask; its SQL is `AccessStore`'s.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from services.common.auth import Principal
from services.common.convert import parse_uuid
from services.common.errors import NotFound
from services.messaging.chats.access_store import AccessStore
from services.messaging.chats.parts import CHAT_NOT_FOUND, ORG_NOT_FOUND, ChatAccess, Standing
from services.messaging.readmodel.people import Person


class Access:
    def __init__(self, store: AccessStore) -> None:
        self._store = store

    async def chat_access(self, conn: AsyncConnection, chat_id: str, principal: Principal) -> ChatAccess:
        """The chat as the caller stands to it; NOT_FOUND when it is not theirs to see."""
        user = uuid.UUID(principal.user_id)
        standing = await self._store.chat_standing(
            conn, parse_uuid(chat_id, "chat_id"), user, datetime.now(UTC)
        )
        if standing is None:
            raise NotFound(CHAT_NOT_FOUND)
        person = standing.person
        if not person.is_member:
            raise NotFound(CHAT_NOT_FOUND)
        access = ChatAccess(
            chat=standing.chat,
            person=person,
            membership=standing.membership,
            invited=standing.invited,
            block_ends_at=standing.block_ends_at,
        )
        if not access.visible:
            raise NotFound(CHAT_NOT_FOUND)
        return access

    async def organisation_person(
        self, conn: AsyncConnection, organisation_id: str, principal: Principal
    ) -> Person:
        """The caller in an organisation; NOT_FOUND when they are not its member (R-ORG-1)."""
        person = await self._store.person(
            conn, parse_uuid(organisation_id, "organisation_id"), uuid.UUID(principal.user_id)
        )
        if not person.is_member:
            raise NotFound(ORG_NOT_FOUND)
        return person

    async def get_chat(self, conn: AsyncConnection, chat_id: uuid.UUID) -> Row[Any] | None:
        return await self._store.get_chat(conn, chat_id)

    async def membership(
        self, conn: AsyncConnection, chat_id: uuid.UUID, user_id: uuid.UUID
    ) -> Row[Any] | None:
        return await self._store.membership(conn, chat_id, user_id)

    async def person(self, conn: AsyncConnection, organisation_id: uuid.UUID, user_id: uuid.UUID) -> Person:
        return await self._store.person(conn, organisation_id, user_id)

    async def chat_standing(
        self, conn: AsyncConnection, chat_id: uuid.UUID, user_id: uuid.UUID, now: datetime
    ) -> Standing | None:
        return await self._store.chat_standing(conn, chat_id, user_id, now)
