"""What moderation offers the other features of messaging (they import this module, never
moderation's others): who moderates a chat (R-MOD-1: `is_moderator`, `may_moderate`, plain rules the
polls apply too), what a blocked member is told when they try to write (R-MOD-3: `blocked_refusal`,
raised by chats' access check and by joining through a link), the caller acting as a chat's
moderator (`Moderator`) and the Protocols main wires to moderation's objects: `Moderators`
(`actions.Moderation`: the caller as a moderator, for the links a moderator manages) and
`NamedModerators` (`store.ModerationStore`: whether someone was named a moderator)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from services.common.auth import Principal
from services.common.errors import RuleRefused
from services.messaging.readmodel.people import Person


def is_moderator(person: Person, created_by: uuid.UUID | None, named: bool) -> bool:
    """R-MOD-1: the chat's creator and the moderators named since are its moderators."""
    return person.is_member and (person.user_id == created_by or named)


def may_moderate(person: Person, created_by: uuid.UUID | None, named: bool) -> bool:
    """A chat's moderators, and the organisation's administrators in every chat of theirs."""
    return person.is_admin or is_moderator(person, created_by, named)


def blocked_refusal(ends_at: datetime) -> RuleRefused:
    """What a blocked member is told when they try to write (R-MOD-3)."""
    return RuleRefused(
        f"Вы заблокированы в этом чате до {ends_at.astimezone(UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        rule="R-MOD-3",
    )


@dataclass(frozen=True)
class Moderator:
    """A chat and the moderator (or administrator) acting in it."""

    chat: Row[Any]
    person: Person

    @property
    def user_id(self) -> uuid.UUID:
        return self.person.user_id


class Moderators(Protocol):
    async def moderator_of(self, conn: AsyncConnection, chat_id: str, principal: Principal) -> Moderator:
        """The caller as a moderator of the chat; 403 to the chat's other people, 404 to anyone else."""
        ...


class NamedModerators(Protocol):
    async def is_named_moderator(self, conn: AsyncConnection, chat_id: uuid.UUID, user_id: uuid.UUID) -> bool:
        """Whether the person was named a moderator of the chat (R-MOD-1)."""
        ...
