"""The SQL of chats, their members and invitations, and messages. Every method takes the connection
of a transaction the caller opened with `Database.transaction(name)`; nothing here decides a rule."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import (
    BigInteger,
    Row,
    Select,
    Text,
    Uuid,
    and_,
    bindparam,
    delete,
    exists,
    func,
    literal_column,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.messaging.attachments.tables import attachments
from services.messaging.chats.tables import chat_invitations, chat_members, chats, messages
from services.messaging.polls.tables import polls
from services.messaging.readmodel.tables import (
    dir_members,
)

# The preview line of a chat in its members' list: the newest message's text is cut here.
PREVIEW_LENGTH = 200


def _mine(user_id: uuid.UUID) -> Any:
    """My chats with my read mark, the member count and the newest message for the preview line,
    newest activity first (the chats list is the home screen, as in a messenger)."""
    last = messages.alias("last_message")
    everyone = chat_members.alias("everyone")
    files = attachments.alias("last_files")
    member_count = select(func.count()).where(everyone.c.chat_id == chats.c.id).scalar_subquery()
    has_files = exists().where(files.c.chat_id == chats.c.id, files.c.message_seq == chats.c.last_seq)
    is_poll = exists().where(polls.c.chat_id == chats.c.id, polls.c.seq == chats.c.last_seq)
    return (
        select(
            chats,
            chat_members.c.last_read_seq,
            member_count.label("member_count"),
            last.c.seq.label("last_message_seq"),
            last.c.author_id.label("last_author_id"),
            func.left(last.c.text, PREVIEW_LENGTH).label("last_text"),
            last.c.created_at.label("last_created_at"),
            last.c.deleted_at.label("last_deleted_at"),
            has_files.label("last_has_attachments"),
            is_poll.label("last_is_poll"),
        )
        .join(chat_members, and_(chat_members.c.chat_id == chats.c.id, chat_members.c.user_id == user_id))
        .join(
            dir_members,
            and_(dir_members.c.organisation_id == chats.c.organisation_id, dir_members.c.user_id == user_id),
        )
        .outerjoin(last, and_(last.c.chat_id == chats.c.id, last.c.seq == chats.c.last_seq))
        .where(func.cardinality(dir_members.c.roles) > 0)
        .order_by(func.coalesce(last.c.created_at, chats.c.created_at).desc(), chats.c.id)
    )


class ChatStore:
    """Chats, their members and invitations."""

    async def insert_chat(self, conn: AsyncConnection, **values: Any) -> Row[Any] | None:
        """A new chat; None when a unique key says it exists (a system channel, a class's chat)."""
        result = await conn.execute(
            insert(chats).values(id=uuid.uuid4(), **values).on_conflict_do_nothing().returning(*chats.c)
        )
        return result.first()

    async def organisation_chats(
        self, conn: AsyncConnection, organisation_id: uuid.UUID
    ) -> Sequence[Row[Any]]:
        query = select(chats).where(chats.c.organisation_id == organisation_id).order_by(chats.c.created_at)
        return (await conn.execute(query)).all()

    async def system_channels(self, conn: AsyncConnection, organisation_id: uuid.UUID) -> Sequence[Row[Any]]:
        query = select(chats).where(
            chats.c.organisation_id == organisation_id, chats.c.system_kind.is_not(None)
        )
        return (await conn.execute(query)).all()

    async def my_chats(
        self, conn: AsyncConnection, user_id: uuid.UUID, organisation_id: uuid.UUID | None
    ) -> Sequence[Row[Any]]:
        query = _mine(user_id)
        if organisation_id is not None:
            query = query.where(chats.c.organisation_id == organisation_id)
        return (await conn.execute(query)).all()

    async def member_chats(
        self, conn: AsyncConnection, organisation_id: uuid.UUID, user_id: uuid.UUID
    ) -> Sequence[Row[Any]]:
        """Every chat of the organisation the person is a member of, whatever their roles now."""
        query = (
            select(chats)
            .join(chat_members, and_(chat_members.c.chat_id == chats.c.id, chat_members.c.user_id == user_id))
            .where(chats.c.organisation_id == organisation_id)
        )
        return (await conn.execute(query)).all()

    async def add_member(
        self, conn: AsyncConnection, chat_id: uuid.UUID, user_id: uuid.UUID, rules_version: int
    ) -> bool:
        inserted = await conn.scalar(
            insert(chat_members)
            .values(chat_id=chat_id, user_id=user_id, rules_version=rules_version)
            .on_conflict_do_nothing()
            .returning(chat_members.c.user_id)
        )
        return inserted is not None

    async def members(self, conn: AsyncConnection, chat_id: uuid.UUID) -> Sequence[Row[Any]]:
        query = (
            select(chat_members).where(chat_members.c.chat_id == chat_id).order_by(chat_members.c.joined_at)
        )
        return (await conn.execute(query)).all()

    async def member_count(self, conn: AsyncConnection, chat_id: uuid.UUID) -> int:
        count = await conn.scalar(select(func.count()).where(chat_members.c.chat_id == chat_id))
        return int(count or 0)

    async def member_ids(self, conn: AsyncConnection, chat_id: uuid.UUID) -> set[uuid.UUID]:
        return set(
            await conn.scalars(select(chat_members.c.user_id).where(chat_members.c.chat_id == chat_id))
        )

    async def remove_memberships(
        self, conn: AsyncConnection, user_id: uuid.UUID, chat_ids: Iterable[uuid.UUID]
    ) -> list[uuid.UUID]:
        """Remove the person from these chats and withdraw their pending invitations there;
        returns the chats they were a member of."""
        wanted = list(chat_ids)
        if not wanted:
            return []
        removed = await conn.scalars(
            delete(chat_members)
            .where(chat_members.c.user_id == user_id, chat_members.c.chat_id.in_(wanted))
            .returning(chat_members.c.chat_id)
        )
        result = list(removed)
        await conn.execute(
            update(chat_invitations)
            .where(
                chat_invitations.c.user_id == user_id,
                chat_invitations.c.chat_id.in_(wanted),
                chat_invitations.c.status == "pending",
            )
            .values(status="withdrawn", decided_at=func.now())
        )
        return result

    async def chat_ids(
        self,
        conn: AsyncConnection,
        organisation_id: uuid.UUID,
        *,
        class_id: uuid.UUID | None = None,
        kinds: Iterable[str] | None = None,
    ) -> list[uuid.UUID]:
        query = select(chats.c.id).where(chats.c.organisation_id == organisation_id)
        if class_id is not None:
            query = query.where(chats.c.class_id == class_id)
        if kinds is not None:
            query = query.where(chats.c.kind.in_(list(kinds)))
        return list(await conn.scalars(query))

    # --- invitations (R-CHAT-4) ---------------------------------------------------------------
    async def insert_invitation(
        self, conn: AsyncConnection, chat_id: uuid.UUID, user_id: uuid.UUID, invited_by: uuid.UUID
    ) -> Row[Any] | None:
        """A pending invitation; None when one is already pending."""
        result = await conn.execute(
            insert(chat_invitations)
            .values(
                id=uuid.uuid4(), chat_id=chat_id, user_id=user_id, invited_by=invited_by, status="pending"
            )
            .on_conflict_do_nothing()
            .returning(*chat_invitations.c)
        )
        return result.first()

    def _invitation_query(self) -> Any:
        return select(chat_invitations, chats.c.title, chats.c.organisation_id).join(
            chats, chats.c.id == chat_invitations.c.chat_id
        )

    async def get_invitation(
        self, conn: AsyncConnection, invitation_id: uuid.UUID, *, for_update: bool = False
    ) -> Row[Any] | None:
        query = self._invitation_query().where(chat_invitations.c.id == invitation_id)
        if for_update:
            query = query.with_for_update(of=chat_invitations)
        return (await conn.execute(query)).first()

    async def pending_invitations(self, conn: AsyncConnection, user_id: uuid.UUID) -> Sequence[Row[Any]]:
        query = (
            self._invitation_query()
            .where(chat_invitations.c.user_id == user_id, chat_invitations.c.status == "pending")
            .order_by(chat_invitations.c.created_at)
        )
        return (await conn.execute(query)).all()

    async def settle_invitations(
        self, conn: AsyncConnection, chat_id: uuid.UUID, user_id: uuid.UUID, status: str
    ) -> None:
        await conn.execute(
            update(chat_invitations)
            .where(
                chat_invitations.c.chat_id == chat_id,
                chat_invitations.c.user_id == user_id,
                chat_invitations.c.status == "pending",
            )
            .values(status=status, decided_at=func.now())
        )

    async def decide_invitation(self, conn: AsyncConnection, invitation_id: uuid.UUID, status: str) -> None:
        await conn.execute(
            update(chat_invitations)
            .where(chat_invitations.c.id == invitation_id)
            .values(status=status, decided_at=func.now())
        )


class MessageStore:
    """Messages, their per-chat sequence numbers and read state."""

    async def post_message(
        self,
        conn: AsyncConnection,
        *,
        chat_id: uuid.UUID,
        author_id: uuid.UUID,
        text: str,
        reply_to_seq: int | None,
        client_id: uuid.UUID | None = None,
    ) -> Row[Any]:
        """Take the chat's next sequence number, write the message and move the author's read mark
        to it, in one statement (one round trip on the post path). The counter row stays locked
        until the transaction ends, so concurrent senders get consecutive numbers and a rolled-back
        send leaves no gap."""
        params = {
            "p_chat": chat_id,
            "p_author": author_id,
            "p_text": text,
            "p_reply_to": reply_to_seq,
            "p_client": client_id,
        }
        row: Row[Any] = (await conn.execute(_POST_MESSAGE, params)).one()
        return row

    async def message_by_client_id(
        self, conn: AsyncConnection, chat_id: uuid.UUID, author_id: uuid.UUID, client_id: uuid.UUID
    ) -> Row[Any] | None:
        """The author's message that their client sent with `client_id`, if it is stored already."""
        query = select(messages).where(
            messages.c.chat_id == chat_id,
            messages.c.author_id == author_id,
            messages.c.client_id == client_id,
        )
        return (await conn.execute(query)).first()

    async def get_message(
        self, conn: AsyncConnection, chat_id: uuid.UUID, seq: int, *, for_update: bool = False
    ) -> Row[Any] | None:
        query = select(messages).where(messages.c.chat_id == chat_id, messages.c.seq == seq)
        if for_update:
            query = query.with_for_update()
        return (await conn.execute(query)).first()

    async def edit_message(self, conn: AsyncConnection, chat_id: uuid.UUID, seq: int, text: str) -> Row[Any]:
        result = await conn.execute(
            update(messages)
            .where(messages.c.chat_id == chat_id, messages.c.seq == seq)
            .values(text=text, edited_at=func.now())
            .returning(*messages.c)
        )
        return result.one()

    async def delete_message(self, conn: AsyncConnection, chat_id: uuid.UUID, seq: int) -> Row[Any]:
        """Keep a tombstone: the sequence number stays, the text goes."""
        result = await conn.execute(
            update(messages)
            .where(messages.c.chat_id == chat_id, messages.c.seq == seq)
            .values(text="", deleted_at=func.now())
            .returning(*messages.c)
        )
        return result.one()

    async def history(
        self, conn: AsyncConnection, chat_id: uuid.UUID, *, before: int, after: int, limit: int
    ) -> tuple[list[Row[Any]], bool]:
        """Up to `limit` messages ascending by sequence: after `after`, before `before`, or the newest."""
        query = select(messages).where(messages.c.chat_id == chat_id)
        if after:
            query = query.where(messages.c.seq > after).order_by(messages.c.seq)
        else:
            if before:
                query = query.where(messages.c.seq < before)
            query = query.order_by(messages.c.seq.desc())
        rows = list((await conn.execute(query.limit(limit + 1))).all())
        has_more = len(rows) > limit
        rows = rows[:limit]
        if not after:
            rows.reverse()
        return rows, has_more

    async def mark_read(self, conn: AsyncConnection, chat_id: uuid.UUID, user_id: uuid.UUID, seq: int) -> int:
        """Move the member's read mark forward (never back); returns it."""
        value = await conn.scalar(
            update(chat_members)
            .where(chat_members.c.chat_id == chat_id, chat_members.c.user_id == user_id)
            .values(last_read_seq=func.greatest(chat_members.c.last_read_seq, seq))
            .returning(chat_members.c.last_read_seq)
        )
        return int(value or 0)


def _post_message_statement() -> Select[Any]:
    """Built once (see `MessageStore.post_message`); the values come as bound parameters, named
    unlike any column (a parameter named after a column would also be SET by the UPDATEs)."""
    chat_id = bindparam("p_chat", type_=Uuid)
    author_id = bindparam("p_author", type_=Uuid)
    next_seq = (
        update(chats)
        .where(chats.c.id == chat_id)
        .values(last_seq=chats.c.last_seq + literal_column("1", BigInteger))
        .returning(chats.c.last_seq)
        .cte("next_seq")
    )
    posted = (
        insert(messages)
        .from_select(
            ["chat_id", "seq", "author_id", "text", "reply_to_seq", "client_id"],
            select(
                chat_id,
                next_seq.c.last_seq,
                author_id,
                bindparam("p_text", type_=Text),
                bindparam("p_reply_to", type_=BigInteger),
                bindparam("p_client", type_=Uuid),
            ),
        )
        .returning(*messages.c)
        .cte("posted")
    )
    read_mark = (
        update(chat_members)
        .where(chat_members.c.chat_id == chat_id, chat_members.c.user_id == author_id)
        .values(
            last_read_seq=func.greatest(chat_members.c.last_read_seq, select(posted.c.seq).scalar_subquery())
        )
        .cte("read_mark")
    )
    return select(posted).add_cte(read_mark)


_POST_MESSAGE = _post_message_statement()
