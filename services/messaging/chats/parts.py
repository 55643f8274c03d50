"""What chats offers the other features of messaging (they import this module, never chats'
others; main passes them chats' objects):

- the access check every call starts with: the `Access` Protocol (`access.Access`), what it answers
  (`ChatAccess`, `Standing`, `Membership`, the person from the read model) and the NOT_FOUND texts;
- the parts of what a client sees of a message (`views.py`): `Reader`, `MessagePart` and `PostPart`,
  which attachments and polls implement, `Posted` (what a send stored) and `Views`, what an api asks
  of `views.MessageViews`;
- live delivery: the `Live` Protocol (`live.LivePublisher`) and the live events' types;
- stored messages: `MessageLookup` (`store.MessageStore`);
- chats as callers see them: `ChatView`, `MessagePreview`, a chat kind in the contract
  (`kind_value`), and `ChatPart`, what another feature adds to a chat (calls: its call in progress).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeAlias

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from parta.messaging.v1 import messaging_pb2 as pb
from services.common.auth import Principal
from services.common.errors import NotFound, RuleRefused
from services.messaging.chats.rules import ChatShape, in_audience, may_join_alone, may_post
from services.messaging.moderation.parts import blocked_refusal
from services.messaging.readmodel.people import Person

CHAT_NOT_FOUND = "Чат не найден"
ORG_NOT_FOUND = "Организация не найдена"

# What a live event tells (`LiveChatEvent.kind`, live.py): the contract's enum, shared with the gateways.
LiveKind: TypeAlias = pb.LiveEventKind.ValueType
MESSAGE_POSTED: LiveKind = pb.LIVE_EVENT_KIND_MESSAGE_POSTED
MESSAGE_EDITED: LiveKind = pb.LIVE_EVENT_KIND_MESSAGE_EDITED
MESSAGE_DELETED: LiveKind = pb.LIVE_EVENT_KIND_MESSAGE_DELETED
# A poll's counts changed (polls/voting.py): the message with its poll as everyone sees it.
POLL_UPDATED: LiveKind = pb.LIVE_EVENT_KIND_POLL_UPDATED
MEMBER_REMOVED: LiveKind = pb.LIVE_EVENT_KIND_MEMBER_REMOVED
MEMBER_JOINED: LiveKind = pb.LIVE_EVENT_KIND_MEMBER_JOINED
READ: LiveKind = pb.LIVE_EVENT_KIND_READ
# The chat's call in progress changed (calls/events.py): with the call, or without when it ended.
CALL_CHANGED: LiveKind = pb.LIVE_EVENT_KIND_CALL_CHANGED


def kind_value(name: str) -> pb.ChatKind.ValueType:
    """ "class_staff" → CHAT_KIND_CLASS_STAFF; ValueError for a name that is no kind."""
    return pb.ChatKind.Value("CHAT_KIND_" + name.upper())


@dataclass(frozen=True)
class Membership:
    """The caller's row in `chat_members`."""

    chat_id: uuid.UUID
    user_id: uuid.UUID
    rules_version: int
    last_read_seq: int
    joined_at: datetime


@dataclass(frozen=True)
class Standing:
    """A chat and where one person stands in it."""

    chat: Row[Any]
    membership: Membership | None
    invited: bool
    # The end of the block holding now (R-MOD-3), if any.
    block_ends_at: datetime | None
    # What the directory's read model says about the person in the chat's organisation.
    person: Person


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

    @property
    def in_audience(self) -> bool:
        """The person is among those the chat is for (R-CHAT-1), member or not."""
        return in_audience(self.person, self.shape)

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


@dataclass(frozen=True)
class Rights:
    """What a caller may do in a chat now, for other services (media's calls, R-MEDIA-3)."""

    chat: Row[Any]
    may_read: bool
    may_post: bool
    blocked: bool
    may_moderate: bool


class Access(Protocol):
    """How a caller stands to a chat or an organisation (`access.Access`): every feature's first question."""

    async def chat_access(self, conn: AsyncConnection, chat_id: str, principal: Principal) -> ChatAccess:
        """The chat as the caller stands to it; NOT_FOUND when it is not theirs to see."""
        ...

    async def organisation_person(
        self, conn: AsyncConnection, organisation_id: str, principal: Principal
    ) -> Person:
        """The caller in an organisation; NOT_FOUND when they are not its member (R-ORG-1)."""
        ...

    async def get_chat(self, conn: AsyncConnection, chat_id: uuid.UUID) -> Row[Any] | None: ...

    async def membership(
        self, conn: AsyncConnection, chat_id: uuid.UUID, user_id: uuid.UUID
    ) -> Row[Any] | None: ...

    async def person(
        self, conn: AsyncConnection, organisation_id: uuid.UUID, user_id: uuid.UUID
    ) -> Person: ...

    async def chat_standing(
        self, conn: AsyncConnection, chat_id: uuid.UUID, user_id: uuid.UUID, now: datetime
    ) -> Standing | None: ...


class Reader(Protocol):
    """Who reads the messages: the chat and the person as the rules look at them."""

    @property
    def chat(self) -> Row[Any]: ...

    @property
    def person(self) -> Person: ...


class MessagePart(Protocol):
    """Extras of stored messages (attachments/views.py, polls/views.py)."""

    async def add(
        self, conn: AsyncConnection, reader: Reader | None, messages: Sequence[pb.ChatMessage]
    ) -> None:
        """Give these messages of one chat this part's extras, as `reader` sees them; None: as
        everyone following the chat sees them (no one's own choices or rights)."""
        ...


class PostPart(Protocol):
    """What a new message carries beyond its text (its files, its poll)."""

    # The part is content of its own, so the message's text may be empty (files).
    content: bool

    async def store(self, conn: AsyncConnection, access: ChatAccess, message: Row[Any]) -> None:
        """Store the part in the post's transaction, once the message row exists."""
        ...

    def show(self, message: pb.ChatMessage) -> None:
        """Fill what `store` stored into the new message as everyone sees it."""
        ...


@dataclass(frozen=True)
class Posted:
    """A message a send stored; `parts` None when an earlier send of it stored it (a retry)."""

    row: Row[Any]
    access: ChatAccess
    parts: Sequence[PostPart] | None


class Views(Protocol):
    """What an api asks of the message views (`views.MessageViews`)."""

    async def read(self, reader: Reader | None, rows: Sequence[Row[Any]]) -> list[pb.ChatMessage]:
        """Stored messages of one chat as `reader` sees them (None: as everyone following it)."""
        ...

    async def shared(self, row: Row[Any]) -> pb.ChatMessage:
        """One stored message as everyone following its chat sees it."""
        ...


class Live(Protocol):
    """Live delivery of a chat's events (`live.LivePublisher`), after the commit."""

    async def message(self, kind: LiveKind, row: Row[Any]) -> None:
        """A message event (`MESSAGE_DELETED`, `POLL_UPDATED`...) with the message as everyone sees it."""
        ...

    async def members_removed(self, removals: Iterable[tuple[uuid.UUID, uuid.UUID]]) -> None:
        """`member.removed` for each (chat, person)."""
        ...


class MessageLookup(Protocol):
    """A stored message (`store.MessageStore`)."""

    async def get_message(
        self, conn: AsyncConnection, chat_id: uuid.UUID, seq: int, *, for_update: bool = False
    ) -> Row[Any] | None: ...


@dataclass(frozen=True)
class MessagePreview:
    """The newest message of a chat as its members' list shows it (text already cut short)."""

    seq: int
    author_id: uuid.UUID
    text: str
    created_at: datetime
    deleted: bool
    has_attachments: bool
    is_poll: bool


@dataclass(frozen=True)
class ChatView:
    """A chat as the caller sees it."""

    chat: Row[Any]
    member: bool
    last_read_seq: int
    may_post: bool
    member_count: int
    last_message: MessagePreview | None = None

    @property
    def unread(self) -> int:
        return max(0, int(self.chat.last_seq) - self.last_read_seq) if self.member else 0


class ChatPart(Protocol):
    """What another feature adds to chats as the api answers them (calls/views.py: the call in
    progress), for GetChat and ListMyChats."""

    async def add(self, chats: Sequence[pb.Chat]) -> None:
        """Fill this part's fields into these chats."""
        ...
