"""SQL of joining: class and subject teacher assignments (R-ROLE-4), students' classes (R-ROLE-5),
parent links (R-ROLE-6), invite links and their acceptances and failed look-ups (R-INV-1, R-INV-2).

Mixed into `DirectoryStore`; every method takes the connection of the caller's transaction and
decides no rule."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Row, and_, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.common.link_tokens import Failures
from services.directory.schema import (
    class_teachers,
    invite_acceptances,
    invite_failures,
    invites,
    parent_links,
    subject_assignments,
)


def _active_invite() -> Any:
    """Not revoked, not expired, not used up (R-INV-2)."""
    return and_(
        invites.c.revoked_at.is_(None),
        invites.c.expires_at > func.now(),
        invites.c.uses < invites.c.max_uses,
    )


class JoiningStore:
    # --- class teachers (R-ROLE-4) ----------------------------------------------------------
    async def class_teacher(self, conn: AsyncConnection, class_id: uuid.UUID) -> uuid.UUID | None:
        value = await conn.scalar(
            select(class_teachers.c.user_id).where(class_teachers.c.class_id == class_id)
        )
        return cast("uuid.UUID | None", value)

    async def set_class_teacher(
        self, conn: AsyncConnection, organisation_id: uuid.UUID, class_id: uuid.UUID, user_id: uuid.UUID
    ) -> uuid.UUID | None:
        """Make `user_id` the one class teacher of `class_id`; returns the previous one, if any."""
        previous = await conn.scalar(
            select(class_teachers.c.user_id).where(class_teachers.c.class_id == class_id).with_for_update()
        )
        stmt = insert(class_teachers).values(
            class_id=class_id, organisation_id=organisation_id, user_id=user_id
        )
        await conn.execute(
            stmt.on_conflict_do_update(
                index_elements=[class_teachers.c.class_id],
                set_={"user_id": stmt.excluded.user_id, "assigned_at": func.now()},
            )
        )
        return cast("uuid.UUID | None", previous)

    async def classes_led_by(
        self, conn: AsyncConnection, organisation_id: uuid.UUID, user_id: uuid.UUID
    ) -> list[uuid.UUID]:
        rows = await conn.scalars(
            select(class_teachers.c.class_id).where(
                class_teachers.c.organisation_id == organisation_id, class_teachers.c.user_id == user_id
            )
        )
        return list(rows)

    # --- subject teachers (R-ROLE-4) --------------------------------------------------------
    async def set_subject_teacher(
        self,
        conn: AsyncConnection,
        organisation_id: uuid.UUID,
        class_id: uuid.UUID,
        subject: str,
        user_id: uuid.UUID,
    ) -> Row[Any]:
        """One teacher per (class, subject): a new assignment replaces the old one."""
        stmt = insert(subject_assignments).values(
            class_id=class_id, subject=subject, organisation_id=organisation_id, user_id=user_id
        )
        result = await conn.execute(
            stmt.on_conflict_do_update(
                index_elements=[subject_assignments.c.class_id, subject_assignments.c.subject],
                set_={"user_id": stmt.excluded.user_id, "assigned_at": func.now()},
            ).returning(subject_assignments)
        )
        return cast("Row[Any]", result.one())

    async def subject_assignments(
        self, conn: AsyncConnection, organisation_id: uuid.UUID, class_id: uuid.UUID | None
    ) -> Sequence[Row[Any]]:
        query = select(subject_assignments).where(subject_assignments.c.organisation_id == organisation_id)
        if class_id is not None:
            query = query.where(subject_assignments.c.class_id == class_id)
        order = (subject_assignments.c.class_id, subject_assignments.c.subject)
        return (await conn.execute(query.order_by(*order))).all()

    # --- parent links (R-ROLE-6) ------------------------------------------------------------
    async def parent_links(
        self,
        conn: AsyncConnection,
        organisation_id: uuid.UUID,
        *,
        parent_id: uuid.UUID | None = None,
        child_id: uuid.UUID | None = None,
    ) -> Sequence[Row[Any]]:
        query = select(parent_links).where(parent_links.c.organisation_id == organisation_id)
        if parent_id is not None:
            query = query.where(parent_links.c.parent_id == parent_id)
        if child_id is not None:
            query = query.where(parent_links.c.child_id == child_id)
        return (await conn.execute(query.order_by(parent_links.c.created_at))).all()

    # --- invite links (R-INV-1, R-INV-2) ----------------------------------------------------
    async def insert_invite(self, conn: AsyncConnection, **values: Any) -> Row[Any]:
        result = await conn.execute(invites.insert().values(id=uuid.uuid4(), **values).returning(invites))
        return cast("Row[Any]", result.one())

    async def invite_by_hash(self, conn: AsyncConnection, token_hash: bytes) -> Row[Any] | None:
        return (await conn.execute(select(invites).where(invites.c.token_hash == token_hash))).first()

    async def get_invite(self, conn: AsyncConnection, invite_id: uuid.UUID) -> Row[Any] | None:
        return (await conn.execute(select(invites).where(invites.c.id == invite_id))).first()

    async def list_invites(
        self,
        conn: AsyncConnection,
        organisation_id: uuid.UUID,
        *,
        class_ids: Sequence[uuid.UUID] | None,
        include_inactive: bool,
    ) -> Sequence[Row[Any]]:
        """Links of the organisation (of `class_ids` only, when given), newest first."""
        query = select(invites).where(invites.c.organisation_id == organisation_id)
        if class_ids is not None:
            query = query.where(invites.c.class_id.in_(list(class_ids)))
        if not include_inactive:
            query = query.where(_active_invite())
        return (await conn.execute(query.order_by(invites.c.created_at.desc()))).all()

    async def revoke_invite(self, conn: AsyncConnection, invite_id: uuid.UUID) -> Row[Any]:
        """Revoke one link (a revoked link stays revoked at its first time); its kept token goes."""
        result = await conn.execute(
            update(invites)
            .where(invites.c.id == invite_id)
            .values(revoked_at=func.coalesce(invites.c.revoked_at, func.now()), token=None)
            .returning(invites)
        )
        return cast("Row[Any]", result.one())

    async def revoke_active_invites(self, conn: AsyncConnection, organisation_id: uuid.UUID) -> int:
        """Revoke every still usable link of the organisation; returns how many."""
        result = await conn.execute(
            update(invites)
            .where(invites.c.organisation_id == organisation_id, _active_invite())
            .values(revoked_at=func.now(), token=None)
        )
        return int(result.rowcount or 0)

    async def count_invite_use(self, conn: AsyncConnection, invite_id: uuid.UUID) -> bool:
        """Take one use of a still usable link, atomically: under concurrency the row lock and the
        re-checked condition let at most `max_uses` acceptances through. False when none is left."""
        result = await conn.execute(
            update(invites)
            .where(invites.c.id == invite_id, _active_invite())
            .values(uses=invites.c.uses + 1)
            .returning(invites.c.id)
        )
        return result.first() is not None

    async def has_accepted(self, conn: AsyncConnection, invite_id: uuid.UUID, user_id: uuid.UUID) -> bool:
        found = await conn.scalar(
            select(func.count()).where(
                invite_acceptances.c.invite_id == invite_id, invite_acceptances.c.user_id == user_id
            )
        )
        return bool(found)

    async def add_acceptance(self, conn: AsyncConnection, invite_id: uuid.UUID, user_id: uuid.UUID) -> bool:
        """True when this person had not accepted the link before."""
        result = await conn.execute(
            insert(invite_acceptances).values(invite_id=invite_id, user_id=user_id).on_conflict_do_nothing()
        )
        return result.rowcount > 0

    # --- failed token look-ups (guessing, R-INV-2) ------------------------------------------
    async def record_invite_failure(
        self, conn: AsyncConnection, client_address: str, token_prefix: str, forget_before: datetime
    ) -> None:
        """Count one failed look-up; the address's failures older than `forget_before` are dropped."""
        await conn.execute(
            invite_failures.delete().where(
                invite_failures.c.client_address == client_address, invite_failures.c.at < forget_before
            )
        )
        await conn.execute(
            invite_failures.insert().values(client_address=client_address, token_prefix=token_prefix)
        )

    async def invite_failures_since(
        self, conn: AsyncConnection, client_address: str, token_prefix: str, since: datetime
    ) -> Failures:
        """Failed look-ups of an address since `since`: with this token prefix, and in all."""
        same = invite_failures.c.token_prefix == token_prefix
        row = (
            await conn.execute(
                select(
                    func.count().filter(same),
                    func.min(invite_failures.c.at).filter(same),
                    func.count(),
                    func.min(invite_failures.c.at),
                ).where(invite_failures.c.client_address == client_address, invite_failures.c.at >= since)
            )
        ).one()
        return Failures(int(row[0]), row[1], int(row[2]), row[3])
