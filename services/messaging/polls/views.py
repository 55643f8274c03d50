"""Polls as clients see them on a message (R-CHAT-3): the part of the message views (chats/views.py)
that adds a page's polls and, in channels, their "seen by" counts; and the poll a new post carries.

As a reader sees it, a poll carries their own choices and what they may do with it; as everyone
following the chat sees it live (`poll.updated`), counts only — nobody's choices or rights."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from parta.messaging.v1 import messaging_pb2 as pb
from services.common.convert import to_timestamp
from services.messaging.chats.parts import ChatAccess, Reader
from services.messaging.moderation.parts import NamedModerators
from services.messaging.polls.rules import PollDraft, clean_poll, is_closed, voter_key
from services.messaging.polls.store import PollCounts, PollStore
from services.messaging.polls.voting import Viewer, now


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


class PollPart:
    """Fills `poll` of the stored messages that are polls and, for a reader who may see it (channels),
    `seen_count`."""

    def __init__(self, store: PollStore, moderators: NamedModerators) -> None:
        self._store = store
        self._moderators = moderators

    async def add(
        self, conn: AsyncConnection, reader: Reader | None, messages: Sequence[pb.ChatMessage]
    ) -> None:
        viewer = None
        if reader is not None:
            named = await self._moderators.is_named_moderator(conn, reader.chat.id, reader.person.user_id)
            viewer = Viewer(reader.chat, reader.person, named)
        chat_id = uuid.UUID(messages[0].chat_id)
        await self._polls(conn, chat_id, viewer, messages)
        if viewer is not None:
            await self._seen(conn, viewer, messages)

    async def _polls(
        self,
        conn: AsyncConnection,
        chat_id: uuid.UUID,
        viewer: Viewer | None,
        messages: Sequence[pb.ChatMessage],
    ) -> None:
        texts = {m.seq: m for m in messages if not m.deleted}
        rows = await self._store.polls_of(conn, chat_id, list(texts))
        if not rows:
            return
        counts = await self._store.poll_counts(conn, chat_id, [int(r.seq) for r in rows])
        mine: dict[int, list[int]] = {}
        if viewer is not None:
            keys = {
                int(r.seq): key
                for r in rows
                if (key := voter_key(r.anonymous, r.secret, viewer.person.user_id)) is not None
            }
            mine = await self._store.my_choices(conn, chat_id, keys)
        for row in rows:
            message = texts[int(row.seq)]
            author = uuid.UUID(message.author_id)
            message.poll.CopyFrom(
                poll_pb(
                    row,
                    message.text,
                    counts.get(int(row.seq)),
                    mine.get(int(row.seq), []),
                    close=viewer is not None and viewer.may_close(author),
                    voters=viewer is not None and viewer.may_list_voters(row.anonymous, author),
                )
            )

    async def _seen(self, conn: AsyncConnection, viewer: Viewer, messages: Sequence[pb.ChatMessage]) -> None:
        """ "Seen by" on the channel posts the viewer may see it for, in one query for the page."""
        shown = {
            m.seq: m for m in messages if not m.deleted and viewer.sees_seen_count(uuid.UUID(m.author_id))
        }
        for seq, seen in (await self._store.seen_counts(conn, viewer.chat.id, list(shown))).items():
            shown[seq].seen_count = seen


class NewPoll:
    """A poll a new message carries: its question is the message's text, its options are stored in
    the post's transaction."""

    content = False

    def __init__(self, store: PollStore, poll: PollDraft) -> None:
        self._store = store
        self.poll = poll
        self._stored: Row[Any] | None = None

    @property
    def question(self) -> str:
        return self.poll.question

    async def store(self, conn: AsyncConnection, access: ChatAccess, message: Row[Any]) -> None:
        poll = self.poll
        self._stored = await self._store.insert_poll(
            conn,
            chat_id=message.chat_id,
            seq=message.seq,
            options=poll.options,
            multiple=poll.multiple,
            anonymous=poll.anonymous,
            closes_at=poll.closes_at,
            secret=secrets.token_bytes(32) if poll.anonymous else None,
        )

    def show(self, message: pb.ChatMessage) -> None:
        assert self._stored is not None
        message.poll.CopyFrom(poll_pb(self._stored, message.text, None, []))


class PollPosting:
    """Makes the part a new poll's message carries, its draft checked first (`polls.rules.clean_poll`);
    main hands it to the polls api."""

    def __init__(self, store: PollStore) -> None:
        self._store = store

    def __call__(self, draft: PollDraft) -> NewPoll:
        return NewPoll(self._store, clean_poll(draft, now()))
