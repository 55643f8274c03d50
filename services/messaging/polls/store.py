"""Polls' SQL (R-CHAT-3) and the "seen by" count of channel posts: polls, votes, counts for a page of
messages, the voters of an open poll, and read marks per message. Every method takes the connection
of the caller's transaction; nothing here decides a rule."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, delete, func, select, tuple_, update
from sqlalchemy.dialects.postgresql import aggregate_order_by, insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.messaging.chats.tables import chat_members, messages
from services.messaging.polls.tables import poll_votes, polls


@dataclass(frozen=True)
class PollCounts:
    """Votes per option and distinct voters of one poll."""

    per_option: dict[int, int]
    voters: int


class PollStore:
    async def insert_poll(
        self,
        conn: AsyncConnection,
        *,
        chat_id: uuid.UUID,
        seq: int,
        options: Sequence[str],
        multiple: bool,
        anonymous: bool,
        closes_at: datetime | None,
        secret: bytes | None,
    ) -> Row[Any]:
        result = await conn.execute(
            insert(polls)
            .values(
                chat_id=chat_id,
                seq=seq,
                options=list(options),
                multiple=multiple,
                anonymous=anonymous,
                closes_at=closes_at,
                secret=secret,
            )
            .returning(*polls.c)
        )
        return result.one()

    async def get_poll(
        self, conn: AsyncConnection, chat_id: uuid.UUID, seq: int, *, for_update: bool = False
    ) -> Row[Any] | None:
        """The poll with its message's author and deletion; locked when voting or closing, so votes of
        one poll queue and a vote never races its closing."""
        query = (
            select(polls, messages.c.author_id, messages.c.deleted_at, messages.c.text.label("question"))
            .join(messages, and_(messages.c.chat_id == polls.c.chat_id, messages.c.seq == polls.c.seq))
            .where(polls.c.chat_id == chat_id, polls.c.seq == seq)
        )
        if for_update:
            query = query.with_for_update(of=polls)
        return (await conn.execute(query)).first()

    async def has_poll(self, conn: AsyncConnection, chat_id: uuid.UUID, seq: int) -> bool:
        found = await conn.scalar(select(func.count()).where(polls.c.chat_id == chat_id, polls.c.seq == seq))
        return bool(found)

    async def polls_of(
        self, conn: AsyncConnection, chat_id: uuid.UUID, seqs: Sequence[int]
    ) -> list[Row[Any]]:
        if not seqs:
            return []
        query = select(polls).where(polls.c.chat_id == chat_id, polls.c.seq.in_(list(seqs)))
        return list((await conn.execute(query)).all())

    async def poll_counts(
        self, conn: AsyncConnection, chat_id: uuid.UUID, seqs: Sequence[int]
    ) -> dict[int, PollCounts]:
        """Votes per option and distinct voters of each poll, in one query (grouping sets)."""
        if not seqs:
            return {}
        query = (
            select(
                poll_votes.c.seq,
                poll_votes.c.option,
                func.count().label("votes"),
                func.count(poll_votes.c.voter.distinct()).label("voters"),
            )
            .where(poll_votes.c.chat_id == chat_id, poll_votes.c.seq.in_(list(seqs)))
            .group_by(
                func.grouping_sets(tuple_(poll_votes.c.seq, poll_votes.c.option), tuple_(poll_votes.c.seq))
            )
        )
        found: dict[int, PollCounts] = {}
        for row in (await conn.execute(query)).all():
            counts = found.setdefault(int(row.seq), PollCounts({}, 0))
            if row.option is None:
                found[int(row.seq)] = PollCounts(counts.per_option, int(row.voters))
            else:
                counts.per_option[int(row.option)] = int(row.votes)
        return found

    async def my_choices(
        self, conn: AsyncConnection, chat_id: uuid.UUID, keys: dict[int, str]
    ) -> dict[int, list[int]]:
        """The options chosen under each poll's voter key ({seq: key}), by seq."""
        if not keys:
            return {}
        query = (
            select(poll_votes.c.seq, poll_votes.c.option)
            .where(
                poll_votes.c.chat_id == chat_id,
                tuple_(poll_votes.c.seq, poll_votes.c.voter).in_(list(keys.items())),
            )
            .order_by(poll_votes.c.seq, poll_votes.c.option)
        )
        found: dict[int, list[int]] = {}
        for row in (await conn.execute(query)).all():
            found.setdefault(int(row.seq), []).append(int(row.option))
        return found

    async def replace_vote(
        self,
        conn: AsyncConnection,
        chat_id: uuid.UUID,
        seq: int,
        voter: str,
        options: Sequence[int],
        *,
        user_id: uuid.UUID | None,
    ) -> None:
        """The voter's choices become `options` (the previous vote goes). `user_id` and the time are
        kept for open polls only."""
        await self.retract_vote(conn, chat_id, seq, voter)
        await conn.execute(
            insert(poll_votes).values(
                [
                    {
                        "chat_id": chat_id,
                        "seq": seq,
                        "voter": voter,
                        "option": option,
                        "user_id": user_id,
                        "voted_at": func.now() if user_id is not None else None,
                    }
                    for option in options
                ]
            )
        )

    async def retract_vote(self, conn: AsyncConnection, chat_id: uuid.UUID, seq: int, voter: str) -> int:
        result = await conn.execute(
            delete(poll_votes).where(
                poll_votes.c.chat_id == chat_id, poll_votes.c.seq == seq, poll_votes.c.voter == voter
            )
        )
        return int(result.rowcount or 0)

    async def close_poll(self, conn: AsyncConnection, chat_id: uuid.UUID, seq: int, by: uuid.UUID) -> None:
        """Closed now, by `by`; an anonymous poll's key is erased, so its votes are unlinkable."""
        await conn.execute(
            update(polls)
            .where(polls.c.chat_id == chat_id, polls.c.seq == seq, polls.c.closed_at.is_(None))
            .values(closed_at=func.now(), closed_by=by, secret=None)
        )

    async def forget_key(self, conn: AsyncConnection, chat_id: uuid.UUID, seq: int) -> None:
        """Erase an anonymous poll's key (a poll closed by its time): its votes become unlinkable."""
        await conn.execute(
            update(polls).where(polls.c.chat_id == chat_id, polls.c.seq == seq).values(secret=None)
        )

    async def poll_voters(self, conn: AsyncConnection, chat_id: uuid.UUID, seq: int) -> list[Row[Any]]:
        """Who voted for what in an open poll (rows without a person — anonymous votes — never)."""
        query = (
            select(
                poll_votes.c.user_id,
                func.array_agg(aggregate_order_by(poll_votes.c.option, poll_votes.c.option)).label("options"),
                func.min(poll_votes.c.voted_at).label("voted_at"),
            )
            .where(
                poll_votes.c.chat_id == chat_id,
                poll_votes.c.seq == seq,
                poll_votes.c.user_id.is_not(None),
            )
            .group_by(poll_votes.c.user_id)
            .order_by(func.min(poll_votes.c.voted_at), poll_votes.c.user_id)
        )
        return list((await conn.execute(query)).all())

    async def seen_counts(
        self, conn: AsyncConnection, chat_id: uuid.UUID, seqs: Sequence[int]
    ) -> dict[int, int]:
        """ "Seen by" for a page of messages in one query: per message, the chat's members other than
        its author whose read mark reached it (an index range on chat_members (chat_id,
        last_read_seq) per message)."""
        if not seqs:
            return {}
        query = (
            select(messages.c.seq, func.count(chat_members.c.user_id).label("seen"))
            .select_from(messages)
            .outerjoin(
                chat_members,
                and_(
                    chat_members.c.chat_id == messages.c.chat_id,
                    chat_members.c.last_read_seq >= messages.c.seq,
                    chat_members.c.user_id != messages.c.author_id,
                ),
            )
            .where(messages.c.chat_id == chat_id, messages.c.seq.in_(list(seqs)))
            .group_by(messages.c.seq)
        )
        return {int(row.seq): int(row.seen) for row in (await conn.execute(query)).all()}
