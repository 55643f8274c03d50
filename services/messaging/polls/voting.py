"""Polls (R-CHAT-3: members create polls): voting, retracting, closing, the voters — the use cases.

A poll is a message whose text is its question, posted like any message (so R-CHAT-2 holds: in a
channel administrators post it) with its options in the same transaction (views.NewPoll, posted by
the polls api through `Messages.post`). Everyone who may read the
chat now votes — in a channel every member, as in a school survey. A vote replaces the voter's
previous one; a closed poll takes no more. Each change goes out live as `poll.updated` with the new
counts (never anyone's choices). Who voted how is told only for open polls (`rules`); for
anonymous ones no call answers it, and the stored rows do not name the voter (`voter_key`)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from services.common.auth import Principal
from services.common.convert import parse_uuid
from services.common.db import Database
from services.common.errors import NotFound, PermissionDenied
from services.messaging.chats.parts import (
    CHAT_NOT_FOUND,
    POLL_UPDATED,
    Access,
    ChatAccess,
    Live,
    MessageLookup,
)
from services.messaging.moderation.parts import NamedModerators
from services.messaging.polls.rules import (
    check_choices,
    check_open,
    is_closed,
    may_close,
    may_list_voters,
    sees_seen_count,
    voter_key,
)
from services.messaging.polls.store import PollStore
from services.messaging.readmodel.people import Person

POLL_NOT_FOUND = "Опрос не найден"
ANONYMOUS = "Опрос анонимный: кто как голосовал, не узнает никто — ни автор, ни администратор"
NOT_YOURS_TO_CLOSE = "Опрос закрывают его автор, модераторы чата и администраторы"
VOTERS_HIDDEN = "Кто как голосовал в опросе канала, видят его автор, модераторы и администраторы"


def now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Viewer:
    """One caller in one chat, as the poll rules look at them."""

    chat: Row[Any]
    person: Person
    named_moderator: bool

    def may_close(self, author_id: uuid.UUID) -> bool:
        return may_close(self.person, author_id, self.chat.created_by, self.named_moderator)

    def may_list_voters(self, anonymous: bool, author_id: uuid.UUID) -> bool:
        return may_list_voters(
            anonymous, self.chat.kind, self.person, author_id, self.chat.created_by, self.named_moderator
        )

    def sees_seen_count(self, author_id: uuid.UUID) -> bool:
        return sees_seen_count(
            self.chat.kind, self.person, author_id, self.chat.created_by, self.named_moderator
        )


@dataclass(frozen=True)
class PollChange:
    """A poll after a vote, a retraction or its closing: its message, and who acted as they see it."""

    message: Row[Any]
    reader: Viewer


class Polls:
    def __init__(
        self,
        db: Database,
        store: PollStore,
        access: Access,
        moderators: NamedModerators,
        message_store: MessageLookup,
        live: Live,
    ) -> None:
        self._db = db
        self._store = store
        self._access = access
        self._moderators = moderators
        self._message_store = message_store
        self._live = live

    async def _viewer(self, conn: AsyncConnection, access: ChatAccess) -> Viewer:
        named = await self._moderators.is_named_moderator(conn, access.chat.id, access.person.user_id)
        return Viewer(access.chat, access.person, named)

    async def _change(self, conn: AsyncConnection, viewer: Viewer, seq: int) -> PollChange:
        row = await self._message_store.get_message(conn, viewer.chat.id, seq)
        assert row is not None
        return PollChange(row, viewer)

    # --- voting --------------------------------------------------------------------------------
    async def _open_poll(self, conn: AsyncConnection, access: ChatAccess, seq: int) -> Row[Any] | None:
        """The poll of message `seq`, locked; NOT_FOUND when there is none; None once it is closed —
        then a poll closed by its time loses its anonymous key here (as closing by hand does), and the
        caller refuses after the commit (`check_open`)."""
        if seq <= 0:
            raise NotFound(POLL_NOT_FOUND)
        poll = await self._store.get_poll(conn, access.chat.id, seq, for_update=True)
        if poll is None or poll.deleted_at is not None:
            raise NotFound(POLL_NOT_FOUND)
        if not is_closed(poll.closed_at, poll.closes_at, now()):
            return poll
        if poll.secret is not None:
            await self._store.forget_key(conn, access.chat.id, seq)
        return None

    async def vote(self, principal: Principal, chat_id: str, seq: int, options: list[int]) -> PollChange:
        """Vote (again): the caller's choices replace their previous vote. Whoever may read the chat
        now votes — in a channel every member (R-CHAT-2 limits posting, not answering)."""
        change = None
        async with self._db.transaction("vote") as conn:
            access = await self._access.chat_access(conn, chat_id, principal)
            access.require_member()
            poll = await self._open_poll(conn, access, seq)
            if poll is not None:
                chosen = check_choices(options, len(poll.options), poll.multiple)
                user = access.person.user_id
                key = voter_key(poll.anonymous, poll.secret, user)
                assert key is not None  # an open poll keeps its key
                await self._store.replace_vote(
                    conn, access.chat.id, seq, key, chosen, user_id=None if poll.anonymous else user
                )
                change = await self._change(conn, await self._viewer(conn, access), seq)
        check_open(change is None)
        assert change is not None
        await self._live.message(POLL_UPDATED, change.message)
        return change

    async def retract(self, principal: Principal, chat_id: str, seq: int) -> PollChange:
        """Take one's vote back while the poll is open (no vote: nothing changes)."""
        change, removed = None, 0
        async with self._db.transaction("retract_vote") as conn:
            access = await self._access.chat_access(conn, chat_id, principal)
            access.require_member()
            poll = await self._open_poll(conn, access, seq)
            if poll is not None:
                key = voter_key(poll.anonymous, poll.secret, access.person.user_id)
                assert key is not None
                removed = await self._store.retract_vote(conn, access.chat.id, seq, key)
                change = await self._change(conn, await self._viewer(conn, access), seq)
        check_open(change is None)
        assert change is not None
        if removed:
            await self._live.message(POLL_UPDATED, change.message)
        return change

    # --- closing and voters --------------------------------------------------------------------
    async def _acting(
        self, conn: AsyncConnection, chat_id: str, principal: Principal, seq: int
    ) -> tuple[Viewer, Row[Any] | None]:
        """The caller in the chat and the poll (locked): the poll's author, the chat's moderators and
        the organisation's administrators act also in chats they are not in (as moderation does);
        others must be members (R-CHAT-5); anyone the chat is not for gets 404."""
        chat = await self._access.get_chat(conn, parse_uuid(chat_id, "chat_id"))
        if chat is None:
            raise NotFound(CHAT_NOT_FOUND)
        user = uuid.UUID(principal.user_id)
        person = await self._access.person(conn, chat.organisation_id, user)
        if not person.is_member:
            raise NotFound(CHAT_NOT_FOUND)
        viewer = Viewer(chat, person, await self._moderators.is_named_moderator(conn, chat.id, user))
        poll = await self._store.get_poll(conn, chat.id, seq, for_update=True) if seq > 0 else None
        if not viewer.may_close(poll.author_id if poll is not None else uuid.UUID(int=0)):
            (await self._access.chat_access(conn, chat_id, principal)).require_member()
        if poll is None or poll.deleted_at is not None:
            raise NotFound(POLL_NOT_FOUND)
        return viewer, poll

    async def close(self, principal: Principal, chat_id: str, seq: int) -> PollChange:
        """The author, the chat's moderators and the organisation's administrators close a poll;
        the chat's other members get 403. Closing erases an anonymous poll's key (`voter_key`).
        Closing twice changes nothing."""
        async with self._db.transaction("close_poll") as conn:
            viewer, poll = await self._acting(conn, chat_id, principal, seq)
            assert poll is not None
            if not viewer.may_close(poll.author_id):
                raise PermissionDenied(NOT_YOURS_TO_CLOSE, rule="R-MOD-1")
            if poll.closed_at is not None:
                return await self._change(conn, viewer, seq)
            await self._store.close_poll(conn, viewer.chat.id, seq, viewer.person.user_id)
            change = await self._change(conn, viewer, seq)
        await self._live.message(POLL_UPDATED, change.message)
        return change

    async def voters(self, principal: Principal, chat_id: str, seq: int) -> list[Row[Any]]:
        """Who voted how in an open (named) poll, to those `may_list_voters` allows. An anonymous poll
        answers PERMISSION_DENIED to everyone: its rows name nobody, and no call reads them by person."""
        async with self._db.transaction("poll_voters") as conn:
            viewer, poll = await self._acting(conn, chat_id, principal, seq)
            assert poll is not None
            if poll.anonymous:
                raise PermissionDenied(ANONYMOUS)
            if not viewer.may_list_voters(poll.anonymous, poll.author_id):
                raise PermissionDenied(VOTERS_HIDDEN)
            return await self._store.poll_voters(conn, viewer.chat.id, seq)
