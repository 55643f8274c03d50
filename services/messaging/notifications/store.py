"""The SQL of notifications (migrations/versions/0006_notifications.py): the VAPID key, push
subscriptions, digest preferences, organisations' time zones and quiet hours, and the two reads that
decide who hears of what — the push recipients of a new message and a person's unread chats."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    Row,
    Select,
    Uuid,
    and_,
    bindparam,
    delete,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.messaging.chats.tables import chat_members, chats, messages
from services.messaging.notifications.tables import (
    notify_organisations,
    notify_settings,
    notify_vapid_keys,
    push_subscriptions,
)
from services.messaging.readmodel.tables import dir_members, dir_organisations


class NotifyStore:
    # --- the VAPID key ----------------------------------------------------------------------------
    async def vapid_key(self, conn: AsyncConnection) -> Row[Any] | None:
        return (await conn.execute(select(notify_vapid_keys).where(notify_vapid_keys.c.id == 1))).first()

    async def keep_vapid_key(self, conn: AsyncConnection, private: str, public: str) -> Row[Any]:
        """Keep this key unless another instance kept one first; returns the one kept."""
        await conn.execute(
            insert(notify_vapid_keys)
            .values(id=1, private_key=private, public_key=public)
            .on_conflict_do_nothing()
        )
        row = await self.vapid_key(conn)
        assert row is not None
        return row

    # --- push subscriptions -----------------------------------------------------------------------
    async def add_subscription(
        self,
        conn: AsyncConnection,
        *,
        user_id: uuid.UUID,
        endpoint: str,
        p256dh: str,
        auth: str,
        user_agent: str,
    ) -> uuid.UUID:
        """One row per endpoint: a browser that subscribes again (or is now used by someone else)
        replaces its keys and owner."""
        new = insert(push_subscriptions).values(
            id=uuid.uuid4(),
            user_id=user_id,
            endpoint=endpoint,
            p256dh=p256dh,
            auth=auth,
            user_agent=user_agent,
        )
        statement = new.on_conflict_do_update(
            index_elements=[push_subscriptions.c.endpoint],
            set_={
                "user_id": new.excluded.user_id,
                "p256dh": new.excluded.p256dh,
                "auth": new.excluded.auth,
                "user_agent": new.excluded.user_agent,
                "created_at": func.now(),
            },
        ).returning(push_subscriptions.c.id)
        found = await conn.scalar(statement)
        assert found is not None
        return uuid.UUID(str(found))

    async def remove_subscription(self, conn: AsyncConnection, user_id: uuid.UUID, endpoint: str) -> bool:
        removed = await conn.scalar(
            delete(push_subscriptions)
            .where(push_subscriptions.c.user_id == user_id, push_subscriptions.c.endpoint == endpoint)
            .returning(push_subscriptions.c.id)
        )
        return removed is not None

    async def forget_subscriptions(self, conn: AsyncConnection, ids: Sequence[uuid.UUID]) -> None:
        if ids:
            await conn.execute(delete(push_subscriptions).where(push_subscriptions.c.id.in_(ids)))

    async def pushed(self, conn: AsyncConnection, ids: Sequence[uuid.UUID], at: datetime) -> None:
        if ids:
            await conn.execute(
                update(push_subscriptions).where(push_subscriptions.c.id.in_(ids)).values(last_push_at=at)
            )

    async def subscription_count(self, conn: AsyncConnection, user_id: uuid.UUID) -> int:
        found = await conn.scalar(
            select(func.count())
            .select_from(push_subscriptions)
            .where(push_subscriptions.c.user_id == user_id)
        )
        return int(found or 0)

    async def push_recipients(
        self, conn: AsyncConnection, chat_id: uuid.UUID, seq: int, author_id: uuid.UUID
    ) -> Sequence[Row[Any]]:
        """Each subscribed browser of the chat's other members who have not read `seq` yet, with what
        the rules need: their roles in the chat's organisation and their unread count."""
        params = {"n_chat": chat_id, "n_author": author_id, "n_seq": seq}
        return cast(Sequence[Row[Any]], (await conn.execute(_PUSH_RECIPIENTS, params)).all())

    # --- digest preferences -----------------------------------------------------------------------
    async def settings(self, conn: AsyncConnection, user_id: uuid.UUID) -> Row[Any] | None:
        return (
            await conn.execute(select(notify_settings).where(notify_settings.c.user_id == user_id))
        ).first()

    async def set_digest(
        self, conn: AsyncConnection, user_id: uuid.UUID, digest: bool, email: str
    ) -> Row[Any]:
        new = insert(notify_settings).values(user_id=user_id, digest=digest, email=email)
        statement = new.on_conflict_do_update(
            index_elements=[notify_settings.c.user_id],
            set_={"digest": digest, "email": email, "updated_at": func.now()},
        ).returning(notify_settings)
        row: Row[Any] | None = (await conn.execute(statement)).first()
        assert row is not None
        return row

    async def digest_candidates(self, conn: AsyncConnection, due_before: datetime) -> Sequence[Row[Any]]:
        """People with the digest on whose last digest is older than `due_before`."""
        query = select(notify_settings).where(
            notify_settings.c.digest,
            notify_settings.c.email != "",
            or_(notify_settings.c.last_digest_at.is_(None), notify_settings.c.last_digest_at <= due_before),
        )
        return (await conn.execute(query)).all()

    async def claim_digest(
        self, conn: AsyncConnection, user_id: uuid.UUID, now: datetime, due_before: datetime
    ) -> bool:
        """Take today's digest for this person, or learn that another instance already did."""
        claimed = await conn.scalar(
            update(notify_settings)
            .where(
                notify_settings.c.user_id == user_id,
                notify_settings.c.digest,
                or_(
                    notify_settings.c.last_digest_at.is_(None),
                    notify_settings.c.last_digest_at <= due_before,
                ),
            )
            .values(last_digest_at=now)
            .returning(notify_settings.c.user_id)
        )
        return claimed is not None

    async def unclaim_digest(
        self, conn: AsyncConnection, user_id: uuid.UUID, claimed_at: datetime, previous: datetime | None
    ) -> None:
        """The mail did not go: give the claim back so the next run tries again."""
        await conn.execute(
            update(notify_settings)
            .where(notify_settings.c.user_id == user_id, notify_settings.c.last_digest_at == claimed_at)
            .values(last_digest_at=previous)
        )

    async def unread_chats(self, conn: AsyncConnection, user_id: uuid.UUID) -> Sequence[Row[Any]]:
        """The person's chats with messages by others they have not read (tombstones left out)."""
        query = (
            select(
                chats.c.id,
                func.coalesce(dir_organisations.c.name, "").label("organisation"),
                chats.c.title,
                func.count().label("unread"),
                func.min(messages.c.created_at).label("oldest"),
                func.max(messages.c.created_at).label("newest"),
            )
            .select_from(
                chat_members.join(chats, chats.c.id == chat_members.c.chat_id)
                .join(
                    messages,
                    and_(
                        messages.c.chat_id == chat_members.c.chat_id,
                        messages.c.seq > chat_members.c.last_read_seq,
                    ),
                )
                .outerjoin(dir_organisations, dir_organisations.c.id == chats.c.organisation_id)
            )
            .where(
                chat_members.c.user_id == user_id,
                messages.c.author_id != user_id,
                messages.c.deleted_at.is_(None),
            )
            .group_by(chats.c.id, dir_organisations.c.name, chats.c.title)
        )
        return (await conn.execute(query)).all()

    # --- organisations: time zone and quiet hours -------------------------------------------------
    async def organisation(self, conn: AsyncConnection, organisation_id: uuid.UUID) -> Row[Any] | None:
        query = select(notify_organisations).where(notify_organisations.c.organisation_id == organisation_id)
        return (await conn.execute(query)).first()

    async def set_time_zone(self, conn: AsyncConnection, organisation_id: uuid.UUID, time_zone: str) -> None:
        statement = insert(notify_organisations).values(organisation_id=organisation_id, time_zone=time_zone)
        await conn.execute(
            statement.on_conflict_do_update(
                index_elements=[notify_organisations.c.organisation_id], set_={"time_zone": time_zone}
            )
        )

    async def set_quiet_hours(
        self,
        conn: AsyncConnection,
        organisation_id: uuid.UUID,
        *,
        enabled: bool,
        start: int,
        end: int,
        by: uuid.UUID,
    ) -> Row[Any]:
        values = {"quiet_enabled": enabled, "quiet_start": start, "quiet_end": end, "updated_by": by}
        new = insert(notify_organisations).values(organisation_id=organisation_id, **values)
        statement = new.on_conflict_do_update(
            index_elements=[notify_organisations.c.organisation_id], set_={**values, "updated_at": func.now()}
        ).returning(notify_organisations)
        row: Row[Any] | None = (await conn.execute(statement)).first()
        assert row is not None
        return row


def _push_recipients_statement() -> Select[Any]:
    """Built once: `push_recipients` runs for every message posted, and building the select each
    time cost as much as running it. The values come as bound parameters."""
    return (
        select(
            push_subscriptions.c.id,
            push_subscriptions.c.endpoint,
            push_subscriptions.c.p256dh,
            push_subscriptions.c.auth,
            chat_members.c.user_id,
            (chats.c.last_seq - chat_members.c.last_read_seq).label("unread"),
            chats.c.title,
            chats.c.organisation_id,
            dir_members.c.roles,
        )
        .select_from(
            chat_members.join(chats, chats.c.id == chat_members.c.chat_id)
            .join(push_subscriptions, push_subscriptions.c.user_id == chat_members.c.user_id)
            .outerjoin(
                dir_members,
                and_(
                    dir_members.c.organisation_id == chats.c.organisation_id,
                    dir_members.c.user_id == chat_members.c.user_id,
                ),
            )
        )
        .where(
            chat_members.c.chat_id == bindparam("n_chat", type_=Uuid),
            chat_members.c.user_id != bindparam("n_author", type_=Uuid),
            chat_members.c.last_read_seq < bindparam("n_seq", type_=BigInteger),
        )
    )


_PUSH_RECIPIENTS = _push_recipients_statement()
