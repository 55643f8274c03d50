"""All SQL of the weekly statistics (R-STAT-1): its tables (migration 0005) and the counters the
statistics consumers move. Every method takes the connection of a transaction the caller opened;
nothing here decides a rule or cuts a week (`reports.py` does)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import (
    Date,
    Integer,
    Uuid,
    bindparam,
    func,
    literal_column,
    select,
)
from sqlalchemy.dialects.postgresql import Insert, insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.messaging.statistics.tables import (
    stats_active_users,
    stats_member_roles,
    stats_organisations,
    stats_role_weeks,
    stats_weeks,
)

# The counters of stats_weeks a consumer may move.
WEEK_COUNTERS = frozenset(
    {"members_joined", "members_departed", "messages", "chats_created", "calls", "call_seconds"}
)


@dataclass(frozen=True)
class OrganisationRow:
    id: uuid.UUID
    name: str
    time_zone: str


@dataclass(frozen=True)
class WeekRow:
    week_start: date
    members_joined: int
    members_departed: int
    active_users: int
    messages: int
    chats_created: int
    calls: int
    call_seconds: int


@dataclass(frozen=True)
class RoleWeekRow:
    week_start: date
    role: str
    joined: int
    departed: int


class StatisticsStore:
    """The statistics tables: written by the consumers, read by the statistics use cases."""

    # --- what the directory tells ----------------------------------------------------------
    async def upsert_organisation(
        self, conn: AsyncConnection, organisation_id: uuid.UUID, name: str, time_zone: str
    ) -> None:
        statement = insert(stats_organisations).values(id=organisation_id, name=name, time_zone=time_zone)
        await conn.execute(
            statement.on_conflict_do_update(
                index_elements=[stats_organisations.c.id],
                set_={"name": statement.excluded.name, "time_zone": statement.excluded.time_zone},
            )
        )

    async def organisation(self, conn: AsyncConnection, organisation_id: uuid.UUID) -> OrganisationRow | None:
        row = (await conn.execute(_ORGANISATION, {"s_org": organisation_id})).first()
        return OrganisationRow(row.id, row.name, row.time_zone) if row is not None else None

    async def organisations(self, conn: AsyncConnection) -> list[OrganisationRow]:
        rows = await conn.execute(select(stats_organisations).order_by(stats_organisations.c.name))
        return [OrganisationRow(row.id, row.name, row.time_zone) for row in rows]

    async def member_roles(
        self, conn: AsyncConnection, organisation_id: uuid.UUID, user_id: uuid.UUID
    ) -> tuple[frozenset[str], int] | None:
        """The roles kept for a member and their version, locked until the transaction ends (two
        instances handling two versions of one member queue here instead of both counting)."""
        row = (
            await conn.execute(
                select(stats_member_roles.c.roles, stats_member_roles.c.version)
                .where(
                    stats_member_roles.c.organisation_id == organisation_id,
                    stats_member_roles.c.user_id == user_id,
                )
                .with_for_update()
            )
        ).first()
        return (frozenset(row.roles), int(row.version)) if row is not None else None

    async def keep_member_roles(
        self,
        conn: AsyncConnection,
        organisation_id: uuid.UUID,
        user_id: uuid.UUID,
        roles: Iterable[str],
        version: int,
    ) -> bool:
        """Keep a member's roles unless a newer version is kept; True when they were kept."""
        statement = insert(stats_member_roles).values(
            organisation_id=organisation_id, user_id=user_id, roles=sorted(roles), version=version
        )
        kept = await conn.scalar(
            statement.on_conflict_do_update(
                index_elements=[stats_member_roles.c.organisation_id, stats_member_roles.c.user_id],
                set_={"roles": statement.excluded.roles, "version": statement.excluded.version},
                where=stats_member_roles.c.version < statement.excluded.version,
            ).returning(stats_member_roles.c.user_id)
        )
        return kept is not None

    # --- counters ----------------------------------------------------------------------------
    async def add_to_week(
        self, conn: AsyncConnection, organisation_id: uuid.UUID, week_start: date, **amounts: int
    ) -> None:
        unknown = set(amounts) - WEEK_COUNTERS
        if unknown:
            raise ValueError(f"not a weekly counter: {sorted(unknown)}")
        statement = insert(stats_weeks).values(
            organisation_id=organisation_id, week_start=week_start, **amounts
        )
        await conn.execute(
            statement.on_conflict_do_update(
                index_elements=[stats_weeks.c.organisation_id, stats_weeks.c.week_start],
                set_={name: stats_weeks.c[name] + statement.excluded[name] for name in amounts},
            )
        )

    async def add_role_changes(
        self,
        conn: AsyncConnection,
        organisation_id: uuid.UUID,
        week_start: date,
        role: str,
        *,
        joined: int = 0,
        departed: int = 0,
    ) -> None:
        statement = insert(stats_role_weeks).values(
            organisation_id=organisation_id,
            week_start=week_start,
            role=role,
            joined=joined,
            departed=departed,
        )
        await conn.execute(
            statement.on_conflict_do_update(
                index_elements=[
                    stats_role_weeks.c.organisation_id,
                    stats_role_weeks.c.week_start,
                    stats_role_weeks.c.role,
                ],
                set_={
                    "joined": stats_role_weeks.c.joined + statement.excluded.joined,
                    "departed": stats_role_weeks.c.departed + statement.excluded.departed,
                },
            )
        )

    async def mark_active(
        self,
        conn: AsyncConnection,
        organisation_id: uuid.UUID,
        week_start: date,
        user_ids: Iterable[uuid.UUID],
    ) -> int:
        """Note people as active in a week; returns how many were not noted yet (and counts them)."""
        rows = [
            {"organisation_id": organisation_id, "week_start": week_start, "user_id": user_id}
            for user_id in set(user_ids)
        ]
        if not rows:
            return 0
        new = list(
            await conn.scalars(
                insert(stats_active_users)
                .values(rows)
                .on_conflict_do_nothing()
                .returning(stats_active_users.c.user_id)
            )
        )
        if new:
            statement = insert(stats_weeks).values(
                organisation_id=organisation_id, week_start=week_start, active_users=len(new)
            )
            await conn.execute(
                statement.on_conflict_do_update(
                    index_elements=[stats_weeks.c.organisation_id, stats_weeks.c.week_start],
                    set_={"active_users": stats_weeks.c.active_users + statement.excluded.active_users},
                )
            )
        return len(new)

    async def count_message(
        self, conn: AsyncConnection, organisation_id: uuid.UUID, week_start: date, author_id: uuid.UUID
    ) -> None:
        """One message of the week, and its author noted as active (counted once a week), in one
        statement: this runs for every message posted."""
        params = {"s_org": organisation_id, "s_week": week_start, "s_author": author_id}
        await conn.execute(_COUNT_MESSAGE, params)

    # --- reading -----------------------------------------------------------------------------
    async def weeks(
        self, conn: AsyncConnection, organisation_ids: Sequence[uuid.UUID], until: date
    ) -> dict[uuid.UUID, list[WeekRow]]:
        """Every kept week up to `until` of these organisations (older weeks too: the totals at a
        week's end add up everything before it), oldest first."""
        rows = await conn.execute(
            select(stats_weeks)
            .where(stats_weeks.c.organisation_id.in_(organisation_ids), stats_weeks.c.week_start <= until)
            .order_by(stats_weeks.c.organisation_id, stats_weeks.c.week_start)
        )
        found: dict[uuid.UUID, list[WeekRow]] = {org: [] for org in organisation_ids}
        for row in rows:
            found[row.organisation_id].append(
                WeekRow(
                    week_start=row.week_start,
                    members_joined=row.members_joined,
                    members_departed=row.members_departed,
                    active_users=row.active_users,
                    messages=row.messages,
                    chats_created=row.chats_created,
                    calls=row.calls,
                    call_seconds=row.call_seconds,
                )
            )
        return found

    async def role_weeks(
        self, conn: AsyncConnection, organisation_ids: Sequence[uuid.UUID], until: date
    ) -> dict[uuid.UUID, list[RoleWeekRow]]:
        rows = await conn.execute(
            select(stats_role_weeks)
            .where(
                stats_role_weeks.c.organisation_id.in_(organisation_ids),
                stats_role_weeks.c.week_start <= until,
            )
            .order_by(stats_role_weeks.c.organisation_id, stats_role_weeks.c.week_start)
        )
        found: dict[uuid.UUID, list[RoleWeekRow]] = {org: [] for org in organisation_ids}
        for row in rows:
            found[row.organisation_id].append(RoleWeekRow(row.week_start, row.role, row.joined, row.departed))
        return found


def _count_message_statement() -> Insert:
    """Built once (see `StatisticsStore.count_message`); the values come as bound parameters, named
    unlike any column (a parameter named after a column would also be set by the inserts)."""
    organisation_id = bindparam("s_org", type_=Uuid)
    week_start = bindparam("s_week", type_=Date)
    newly_active = (
        insert(stats_active_users)
        .values(
            organisation_id=organisation_id, week_start=week_start, user_id=bindparam("s_author", type_=Uuid)
        )
        .on_conflict_do_nothing()
        .returning(stats_active_users.c.user_id)
        .cte("newly_active")
    )
    week = insert(stats_weeks).values(
        organisation_id=organisation_id,
        week_start=week_start,
        messages=literal_column("1", Integer),
        active_users=select(func.count()).select_from(newly_active).scalar_subquery(),
    )
    return week.on_conflict_do_update(
        index_elements=[stats_weeks.c.organisation_id, stats_weeks.c.week_start],
        set_={
            "messages": stats_weeks.c.messages + week.excluded.messages,
            "active_users": stats_weeks.c.active_users + week.excluded.active_users,
        },
    )


_COUNT_MESSAGE = _count_message_statement()
# Built once too: every counted event looks up its organisation's time zone.
_ORGANISATION = select(stats_organisations).where(stats_organisations.c.id == bindparam("s_org", type_=Uuid))
