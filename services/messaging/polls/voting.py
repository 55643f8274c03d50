"""Polls (R-CHAT-3: members create polls) and "seen by" on channel posts: the use cases.

A poll is a message whose text is its question, posted like any message (so R-CHAT-2 holds: in a
channel administrators post it) with its options in the same transaction. Everyone who may read the
chat now votes — in a channel every member, as in a school survey. A vote replaces the voter's
previous one; a closed poll takes no more. Each change goes out live as `poll.updated` with the new
counts (never anyone's choices). Who voted how is told only for open polls (`poll_rules`); for
anonymous ones no call answers it, and the stored rows do not name the voter (`voter_key`)."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from parta.messaging.v1 import messaging_pb2 as pb
from services.common.auth import Principal
from services.common.convert import to_timestamp
from services.common.db import Database
from services.common.errors import NotFound, PermissionDenied
from services.messaging.chats.access import CHAT_NOT_FOUND, ChatAccess, chat_access, parse_id
from services.messaging.chats.access_store import AccessStore
from services.messaging.chats.convert import message_pb
from services.messaging.chats.live import MESSAGE_POSTED, LivePublisher
from services.messaging.chats.messages import Messages
from services.messaging.chats.rules import Person
from services.messaging.chats.store import MessageStore
from services.messaging.moderation.store import ModerationStore
from services.messaging.polls.rules import (
    PollDraft,
    check_choices,
    check_open,
    clean_poll,
    is_closed,
    may_close,
    may_list_voters,
    sees_seen_count,
    voter_key,
)
from services.messaging.polls.store import PollCounts, PollStore

POLL_UPDATED = "poll.updated"
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


def poll_pb(
    poll: Row[Any],
    question: str,
    counts: PollCounts | None,
    mine: list[int],
    *,
    close: bool = False,
    voters: bool = False,
) -> pb.Poll:
    per_option = counts.per_option if counts else {}
    return pb.Poll(
        question=question,
        options=[pb.PollOption(text=text, votes=per_option.get(i, 0)) for i, text in enumerate(poll.options)],
        multiple=poll.multiple,
        anonymous=poll.anonymous,
        closed=is_closed(poll.closed_at, poll.closes_at, now()),
        closes_at=to_timestamp(poll.closes_at),
        closed_at=to_timestamp(poll.closed_at),
        total_voters=counts.voters if counts else 0,
        my_choices=mine,
        may_close=close,
        may_list_voters=voters,
    )


class Polls:
    def __init__(
        self,
        db: Database,
        store: PollStore,
        access: AccessStore,
        moderators: ModerationStore,
        messages: Messages,
        message_store: MessageStore,
        live: LivePublisher,
    ) -> None:
        self._db = db
        self._store = store
        self._access = access
        self._moderators = moderators
        self._message_store = message_store
        self._messages = messages
        self._live = live

    async def _viewer(self, conn: AsyncConnection, access: ChatAccess) -> Viewer:
        named = await self._moderators.is_named_moderator(conn, access.chat.id, access.person.user_id)
        return Viewer(access.chat, access.person, named)

    async def _polls(self, conn: AsyncConnection, viewer: Viewer, replies: list[pb.ChatMessage]) -> None:
        """Attach to each (not deleted) message of `replies` its poll as the viewer sees it."""
        texts = {m.seq: m for m in replies if not m.deleted}
        rows = await self._store.polls_of(conn, viewer.chat.id, list(texts))
        if not rows:
            return
        seqs = [int(r.seq) for r in rows]
        counts = await self._store.poll_counts(conn, viewer.chat.id, seqs)
        keys = {
            int(r.seq): key
            for r in rows
            if (key := voter_key(r.anonymous, r.secret, viewer.person.user_id)) is not None
        }
        mine = await self._store.my_choices(conn, viewer.chat.id, keys)
        for row in rows:
            message = texts[int(row.seq)]
            author = uuid.UUID(message.author_id)
            message.poll.CopyFrom(
                poll_pb(
                    row,
                    message.text,
                    counts.get(int(row.seq)),
                    mine.get(int(row.seq), []),
                    close=viewer.may_close(author),
                    voters=viewer.may_list_voters(row.anonymous, author),
                )
            )

    async def _seen(self, conn: AsyncConnection, viewer: Viewer, replies: list[pb.ChatMessage]) -> None:
        """ "Seen by" on the channel posts the viewer may see it for, in one query for the page."""
        shown = {
            m.seq: m for m in replies if not m.deleted and viewer.sees_seen_count(uuid.UUID(m.author_id))
        }
        for seq, seen in (await self._store.seen_counts(conn, viewer.chat.id, list(shown))).items():
            shown[seq].seen_count = seen

    async def decorate(self, principal: Principal, chat_id: str, replies: list[pb.ChatMessage]) -> None:
        """Give a page of messages their polls and (channels) their "seen by" counts."""
        if not replies:
            return
        async with self._db.read("decorate_messages") as conn:
            access = await chat_access(self._access, conn, chat_id, principal)
            access.require_member()
            viewer = await self._viewer(conn, access)
            await self._polls(conn, viewer, replies)
            await self._seen(conn, viewer, replies)

    async def _reply(self, conn: AsyncConnection, viewer: Viewer, seq: int) -> pb.ChatMessage:
        row = await self._message_store.get_message(conn, viewer.chat.id, seq)
        assert row is not None
        reply = message_pb(row)
        await self._polls(conn, viewer, [reply])
        await self._seen(conn, viewer, [reply])
        return reply

    async def _publish(self, reply: pb.ChatMessage) -> None:
        """`poll.updated` to everyone following the chat: counts only, nobody's choices or rights."""
        shared = pb.ChatMessage()
        shared.CopyFrom(reply)
        shared.poll.ClearField("my_choices")
        shared.poll.may_close = False
        shared.poll.may_list_voters = False
        shared.ClearField("seen_count")
        await self._live.publish(pb.LiveChatEvent(chat_id=reply.chat_id, type=POLL_UPDATED, message=shared))

    # --- creating ------------------------------------------------------------------------------
    async def create(
        self, principal: Principal, chat_id: str, draft: PollDraft, reply_to_seq: int
    ) -> pb.ChatMessage:
        """Post a poll: a message (R-CHAT-2 and R-MOD-3 hold as for any post) with its options."""
        poll = clean_poll(draft, now())
        stored: dict[str, Any] = {}

        async def with_options(conn: AsyncConnection, access: ChatAccess, message: Row[Any]) -> None:
            stored["poll"] = await self._store.insert_poll(
                conn,
                chat_id=message.chat_id,
                seq=message.seq,
                options=poll.options,
                multiple=poll.multiple,
                anonymous=poll.anonymous,
                closes_at=poll.closes_at,
                secret=secrets.token_bytes(32) if poll.anonymous else None,
            )
            stored["viewer"] = await self._viewer(conn, access)

        message = (
            await self._messages.post(principal, chat_id, poll.question, reply_to_seq, extend=with_options)
        ).row
        viewer: Viewer = stored["viewer"]
        reply = message_pb(message)
        reply.poll.CopyFrom(poll_pb(stored["poll"], message.text, None, []))
        await self._live.publish(pb.LiveChatEvent(chat_id=reply.chat_id, type=MESSAGE_POSTED, message=reply))
        mine = pb.ChatMessage()
        mine.CopyFrom(reply)
        mine.poll.may_close = viewer.may_close(message.author_id)
        mine.poll.may_list_voters = viewer.may_list_voters(poll.anonymous, message.author_id)
        if viewer.sees_seen_count(message.author_id):
            mine.seen_count = 0
        return mine

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

    async def vote(self, principal: Principal, chat_id: str, seq: int, options: list[int]) -> pb.ChatMessage:
        """Vote (again): the caller's choices replace their previous vote. Whoever may read the chat
        now votes — in a channel every member (R-CHAT-2 limits posting, not answering)."""
        reply = None
        async with self._db.transaction("vote") as conn:
            access = await chat_access(self._access, conn, chat_id, principal)
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
                reply = await self._reply(conn, await self._viewer(conn, access), seq)
        check_open(reply is None)
        assert reply is not None
        await self._publish(reply)
        return reply

    async def retract(self, principal: Principal, chat_id: str, seq: int) -> pb.ChatMessage:
        """Take one's vote back while the poll is open (no vote: nothing changes)."""
        reply, removed = None, 0
        async with self._db.transaction("retract_vote") as conn:
            access = await chat_access(self._access, conn, chat_id, principal)
            access.require_member()
            poll = await self._open_poll(conn, access, seq)
            if poll is not None:
                key = voter_key(poll.anonymous, poll.secret, access.person.user_id)
                assert key is not None
                removed = await self._store.retract_vote(conn, access.chat.id, seq, key)
                reply = await self._reply(conn, await self._viewer(conn, access), seq)
        check_open(reply is None)
        assert reply is not None
        if removed:
            await self._publish(reply)
        return reply

    # --- closing and voters --------------------------------------------------------------------
    async def _acting(
        self, conn: AsyncConnection, chat_id: str, principal: Principal, seq: int
    ) -> tuple[Viewer, Row[Any] | None]:
        """The caller in the chat and the poll (locked): the poll's author, the chat's moderators and
        the organisation's administrators act also in chats they are not in (as moderation does);
        others must be members (R-CHAT-5); anyone the chat is not for gets 404."""
        chat = await self._access.get_chat(conn, parse_id(chat_id, "chat_id"))
        if chat is None:
            raise NotFound(CHAT_NOT_FOUND)
        user = uuid.UUID(principal.user_id)
        person = await self._access.person(conn, chat.organisation_id, user)
        if not person.is_member:
            raise NotFound(CHAT_NOT_FOUND)
        viewer = Viewer(chat, person, await self._moderators.is_named_moderator(conn, chat.id, user))
        poll = await self._store.get_poll(conn, chat.id, seq, for_update=True) if seq > 0 else None
        if not viewer.may_close(poll.author_id if poll is not None else uuid.UUID(int=0)):
            (await chat_access(self._access, conn, chat_id, principal)).require_member()
        if poll is None or poll.deleted_at is not None:
            raise NotFound(POLL_NOT_FOUND)
        return viewer, poll

    async def close(self, principal: Principal, chat_id: str, seq: int) -> pb.ChatMessage:
        """The author, the chat's moderators and the organisation's administrators close a poll;
        the chat's other members get 403. Closing erases an anonymous poll's key (`voter_key`).
        Closing twice changes nothing."""
        async with self._db.transaction("close_poll") as conn:
            viewer, poll = await self._acting(conn, chat_id, principal, seq)
            assert poll is not None
            if not viewer.may_close(poll.author_id):
                raise PermissionDenied(NOT_YOURS_TO_CLOSE, rule="R-MOD-1")
            if poll.closed_at is not None:
                return await self._reply(conn, viewer, seq)
            await self._store.close_poll(conn, viewer.chat.id, seq, viewer.person.user_id)
            reply = await self._reply(conn, viewer, seq)
        await self._publish(reply)
        return reply

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
