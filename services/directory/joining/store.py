"""SQL of joining: invite links with their acceptances (R-INV-1, R-INV-2) and their failed look-ups
(common's `LinkFailures` over `invite_failures`), failed join codes, and join requests (R-INV-3).
Every method takes the connection of a transaction the caller opened; nothing here decides a rule."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Row, and_, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.common.link_failures import LinkFailures
from services.directory.joining.tables import (
    invite_acceptances,
    invite_failures,
    invites,
    join_code_failures,
    join_requests,
)


def _active_invite() -> Any:
    """Not revoked, not expired, not used up (R-INV-2)."""
    return and_(
        invites.c.revoked_at.is_(None),
        invites.c.expires_at > func.now(),
        invites.c.uses < invites.c.max_uses,
    )


@dataclass(frozen=True)
class JoinCodeFailures:
    """Unknown join codes within the window: by one person, and from their address in all."""

    person: int
    person_oldest: datetime | None
    address: int
    address_oldest: datetime | None


class JoiningStore:
    def __init__(self) -> None:
        # Failed invite-token look-ups (guessing, R-INV-2): the SQL is common's, the table ours.
        self.failures = LinkFailures(invite_failures)

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

    # --- failed join codes (guessing, R-INV-2) ---------------------------------------------
    async def record_join_code_failure(
        self, conn: AsyncConnection, client_address: str, user_id: uuid.UUID, forget_before: datetime
    ) -> None:
        """Count one unknown join code; failures older than `forget_before` are dropped."""
        await conn.execute(
            join_code_failures.delete().where(
                join_code_failures.c.client_address == client_address,
                join_code_failures.c.at < forget_before,
            )
        )
        await conn.execute(join_code_failures.insert().values(client_address=client_address, user_id=user_id))

    async def join_code_failures_since(
        self, conn: AsyncConnection, client_address: str, user_id: uuid.UUID, since: datetime
    ) -> JoinCodeFailures:
        """Unknown join codes tried since `since`: by this person, and from this address in all."""
        mine = join_code_failures.c.user_id == user_id
        here = join_code_failures.c.client_address == client_address
        row = (
            await conn.execute(
                select(
                    func.count().filter(mine),
                    func.min(join_code_failures.c.at).filter(mine),
                    func.count().filter(here),
                    func.min(join_code_failures.c.at).filter(here),
                ).where(or_(mine, here), join_code_failures.c.at >= since)
            )
        ).one()
        return JoinCodeFailures(int(row[0]), row[1], int(row[2]), row[3])

    async def insert_join_request(self, conn: AsyncConnection, **values: Any) -> Row[Any] | None:
        """None when the person already has a pending request to this organisation."""
        stmt = (
            insert(join_requests)
            .values(id=uuid.uuid4(), status="pending", **values)
            .on_conflict_do_nothing(
                index_elements=[join_requests.c.organisation_id, join_requests.c.user_id],
                # A literal, not a bound parameter: PostgreSQL infers the partial index from it.
                index_where=text("status = 'pending'"),
            )
            .returning(join_requests)
        )
        return cast("Row[Any] | None", (await conn.execute(stmt)).first())

    async def get_join_request(
        self, conn: AsyncConnection, request_id: uuid.UUID, *, for_update: bool = False
    ) -> Row[Any] | None:
        query = select(join_requests).where(join_requests.c.id == request_id)
        if for_update:
            query = query.with_for_update()
        return (await conn.execute(query)).first()

    async def list_join_requests(
        self,
        conn: AsyncConnection,
        organisation_id: uuid.UUID,
        *,
        status: str | None,
        class_ids: Collection[uuid.UUID] | None = None,
        roles: Collection[str] | None = None,
    ) -> Sequence[Row[Any]]:
        """Requests to one organisation; `class_ids`/`roles` narrow them (a class teacher's view)."""
        query = select(join_requests).where(join_requests.c.organisation_id == organisation_id)
        if status is not None:
            query = query.where(join_requests.c.status == status)
        if class_ids is not None:
            query = query.where(join_requests.c.class_id.in_(list(class_ids)))
        if roles is not None:
            query = query.where(join_requests.c.role.in_(list(roles)))
        return (await conn.execute(query.order_by(join_requests.c.created_at))).all()

    async def decide_join_request(
        self, conn: AsyncConnection, request_id: uuid.UUID, **values: Any
    ) -> Row[Any]:
        result = await conn.execute(
            update(join_requests)
            .where(join_requests.c.id == request_id)
            .values(decided_at=func.now(), **values)
            .returning(join_requests)
        )
        return cast("Row[Any]", result.one())
