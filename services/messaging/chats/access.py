"""Who may see a chat and act in it — the closed space of R-ORG-1 applied to chats.

A chat exists only for the people it concerns: its members, the people who may join it by
themselves (its audience, R-CHAT-1) and those invited to it. To anyone else — another class's
student, another school's member, an outsider — it does not exist: NOT_FOUND, never its data
(R-ORG-1, R-PRIV-1, R-INV-5). Being in the organisation is checked against the read model at every
call, so someone who leaves loses access as soon as the directory's event arrives.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from services.common.auth import Principal
from services.common.convert import parse_uuid
from services.common.errors import NotFound, RuleRefused
from services.messaging.chats.access_store import AccessStore, Membership
from services.messaging.chats.rules import ChatShape, may_join_alone, may_post
from services.messaging.moderation.rules import blocked_refusal
from services.messaging.readmodel.people import Person

CHAT_NOT_FOUND = "Чат не найден"
ORG_NOT_FOUND = "Организация не найдена"


def shape_of(chat: Row[Any]) -> ChatShape:
    return ChatShape(kind=chat.kind, class_id=chat.class_id, subject=chat.subject, staff_only=chat.staff_only)


@dataclass(frozen=True)
class ChatAccess:
    """A chat as one caller stands to it."""

    chat: Row[Any]
    person: Person
    # Read by `chat_standing`, or a `chat_members` row where a caller already holds one.
    membership: Membership | Row[Any] | None
    invited: bool
    # The end of the caller's block holding now (R-MOD-3), if any.
    block_ends_at: datetime | None = None

    @property
    def shape(self) -> ChatShape:
        return shape_of(self.chat)

    @property
    def may_join_alone(self) -> bool:
        return may_join_alone(self.person, self.shape)

    @property
    def visible(self) -> bool:
        return self.membership is not None or self.invited or self.may_join_alone

    @property
    def may_post(self) -> bool:
        return self.membership is not None and may_post(self.person, self.shape)

    def require_not_blocked(self) -> None:
        """R-MOD-3: a blocked member does not write until the block ends (checked against now, so
        it lifts itself) or a moderator lifts it (R-MOD-4)."""
        if self.block_ends_at is not None:
            raise blocked_refusal(self.block_ends_at)

    def require_may_post(self) -> None:
        """Writing here now (a message, an upload): a member (R-CHAT-5), an administrator in a
        channel (R-CHAT-2), not blocked (R-MOD-3)."""
        self.require_member()
        if not self.may_post:
            raise RuleRefused("В канале пишут только администраторы, участники читают", rule="R-CHAT-2")
        self.require_not_blocked()

    def require_member(self) -> Membership | Row[Any]:
        """The caller's membership row; a visible non-member is told to join first (R-CHAT-5)."""
        if self.membership is None:
            if self.visible:
                raise RuleRefused(
                    "Сначала вступите в чат, прочитав и подтвердив его правила", rule="R-CHAT-5"
                )
            raise NotFound(CHAT_NOT_FOUND)
        return self.membership


async def chat_access(
    store: AccessStore, conn: AsyncConnection, chat_id: str, principal: Principal
) -> ChatAccess:
    """The chat as the caller stands to it; NOT_FOUND when it is not theirs to see."""
    user = uuid.UUID(principal.user_id)
    standing = await store.chat_standing(conn, parse_uuid(chat_id, "chat_id"), user, datetime.now(UTC))
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
    store: AccessStore, conn: AsyncConnection, organisation_id: str, principal: Principal
) -> Person:
    """The caller in an organisation; NOT_FOUND when they are not its member (R-ORG-1)."""
    person = await store.person(
        conn, parse_uuid(organisation_id, "organisation_id"), uuid.UUID(principal.user_id)
    )
    if not person.is_member:
        raise NotFound(ORG_NOT_FOUND)
    return person
