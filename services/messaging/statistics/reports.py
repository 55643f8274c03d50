"""Weekly usage statistics of organisations (R-STAT-1): who may see them, how weeks are cut, and
how the counters kept from events (`events.py`, `store.py`) become a report.

Choices where the rule is silent:
- A week is an ISO week, Monday 00:00 to the next Monday 00:00 in the organisation's time zone
  (directory's `organisation.activated`/`updated` carry it); an unknown or missing zone falls back
  to Europe/Moscow, directory's default. An event counts in the week of its `occurred_at`.
- "Joined by role": people who gained a role during the week (a new member, or a member given a
  further role); the total per role is who holds it at the week's end. Members joined/total count
  people, whatever their roles.
- "Active users": distinct people who posted a message, created a chat, joined a chat or took part
  in a call during the week. Reading leaves no event, so it does not count.
- Calls and their minutes come from media's `parta.media.call.ended` (minutes rounded up per week).
- The operator's sum adds organisations up: a person active in two organisations counts twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.ext.asyncio import AsyncConnection

from services.common.auth import Principal
from services.common.convert import ROLE_ORDER, parse_uuid
from services.common.db import Database
from services.common.errors import InvalidArgument, NotFound, PermissionDenied
from services.messaging.chats.parts import Access
from services.messaging.statistics.store import RoleWeekRow, StatisticsStore, WeekRow

RULE = "R-STAT-1"
DEFAULT_TIME_ZONE = "Europe/Moscow"
DEFAULT_WEEKS = 12
MAX_WEEKS = 104
# Who sees their organisation's statistics (R-STAT-1).
STATISTICS_ROLES = frozenset({"administrator", "head"})

# Whether the caller is operator staff (asked of the directory, which keeps them).
OperatorCheck = Callable[[Principal], Awaitable[bool]]
Clock = Callable[[], datetime]


# --- weeks -----------------------------------------------------------------------------------------
def zone(name: str) -> ZoneInfo:
    """The organisation's time zone; Europe/Moscow when it is missing or unknown."""
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return ZoneInfo(DEFAULT_TIME_ZONE)


def week_start(moment: datetime, time_zone: str) -> date:
    """The Monday of the ISO week `moment` falls in, in that time zone (weeks start Monday 00:00)."""
    if moment.tzinfo is None:
        raise ValueError("an aware datetime is needed")
    local = moment.astimezone(zone(time_zone)).date()
    return local - timedelta(days=local.weekday())


def recent_weeks(now: datetime, time_zone: str, count: int) -> list[date]:
    """The Mondays of the last `count` weeks, oldest first, ending with the current week."""
    current = week_start(now, time_zone)
    return [current - timedelta(weeks=back) for back in range(count - 1, -1, -1)]


def check_weeks(weeks: int) -> int:
    if weeks == 0:
        return DEFAULT_WEEKS
    if not 1 <= weeks <= MAX_WEEKS:
        raise InvalidArgument(f"Число недель: от 1 до {MAX_WEEKS}")
    return weeks


# --- roles ----------------------------------------------------------------------------------------
def known_roles(roles: Iterable[str]) -> frozenset[str]:
    return frozenset(role for role in roles if role in ROLE_ORDER)


def role_changes(before: frozenset[str], after: frozenset[str]) -> tuple[list[str], list[str]]:
    """The roles gained and the roles given up, in reading order."""
    return (
        [role for role in ROLE_ORDER if role in after and role not in before],
        [role for role in ROLE_ORDER if role in before and role not in after],
    )


def may_see_statistics(roles: Iterable[str]) -> bool:
    """R-STAT-1: the administrator and the head see their organisation's statistics."""
    return bool(STATISTICS_ROLES & set(roles))


# --- the report -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class RoleWeek:
    role: str
    joined: int = 0
    total: int = 0


@dataclass(frozen=True)
class WeekStats:
    week_start: date
    members_joined: int = 0
    members_total: int = 0
    roles: tuple[RoleWeek, ...] = field(default_factory=lambda: tuple(RoleWeek(role) for role in ROLE_ORDER))
    active_users: int = 0
    messages: int = 0
    chats_created: int = 0
    calls: int = 0
    call_minutes: int = 0


@dataclass(frozen=True)
class OrganisationReport:
    organisation_id: uuid.UUID
    name: str
    time_zone: str
    weeks: list[WeekStats]


@dataclass(frozen=True)
class OperatorReport:
    totals: list[WeekStats]
    organisations: list[OrganisationReport]


def minutes(seconds: int) -> int:
    return -(-seconds // 60)


def summarise(
    weeks: Sequence[date], rows: Sequence[WeekRow], role_rows: Sequence[RoleWeekRow]
) -> list[WeekStats]:
    """One entry per requested week (ascending), from the kept rows (ascending, any weeks up to the
    last requested): the week's own counters, and totals that add up every week until its end."""
    by_week = {row.week_start: row for row in rows}
    role_joined: dict[tuple[date, str], int] = {(r.week_start, r.role): r.joined for r in role_rows}
    members = 0
    held = dict.fromkeys(ROLE_ORDER, 0)
    pending = list(rows)
    pending_roles = list(role_rows)
    result = []
    for monday in weeks:
        while pending and pending[0].week_start <= monday:
            row = pending.pop(0)
            members += row.members_joined - row.members_departed
        while pending_roles and pending_roles[0].week_start <= monday:
            change = pending_roles.pop(0)
            if change.role in held:
                held[change.role] += change.joined - change.departed
        own = by_week.get(monday)
        result.append(
            WeekStats(
                week_start=monday,
                members_joined=own.members_joined if own else 0,
                members_total=max(0, members),
                roles=tuple(
                    RoleWeek(role, role_joined.get((monday, role), 0), max(0, held[role]))
                    for role in ROLE_ORDER
                ),
                active_users=own.active_users if own else 0,
                messages=own.messages if own else 0,
                chats_created=own.chats_created if own else 0,
                calls=own.calls if own else 0,
                call_minutes=minutes(own.call_seconds) if own else 0,
            )
        )
    return result


def add_up(reports: Sequence[Sequence[WeekStats]], weeks: Sequence[date]) -> list[WeekStats]:
    """The per-week sum of several organisations' weeks (all cut on the same Mondays)."""
    totals = []
    for index, monday in enumerate(weeks):
        column = [report[index] for report in reports]
        totals.append(
            replace(
                WeekStats(monday),
                members_joined=sum(w.members_joined for w in column),
                members_total=sum(w.members_total for w in column),
                roles=tuple(
                    RoleWeek(
                        role,
                        sum(w.roles[i].joined for w in column),
                        sum(w.roles[i].total for w in column),
                    )
                    for i, role in enumerate(ROLE_ORDER)
                ),
                active_users=sum(w.active_users for w in column),
                messages=sum(w.messages for w in column),
                chats_created=sum(w.chats_created for w in column),
                calls=sum(w.calls for w in column),
                call_minutes=sum(w.call_minutes for w in column),
            )
        )
    return totals


# --- recording, inside a consumer's transaction ---------------------------------------------------
class StatisticsRecorder:
    """Moves the counters for one event; the inbox runs each event once per consumer."""

    def __init__(self, stats: StatisticsStore) -> None:
        self._stats = stats

    async def _week(self, conn: AsyncConnection, organisation_id: uuid.UUID, at: datetime) -> date:
        organisation = await self._stats.organisation(conn, organisation_id)
        return week_start(at, organisation.time_zone if organisation else "")

    async def organisation(
        self, conn: AsyncConnection, organisation_id: uuid.UUID, name: str, time_zone: str
    ) -> None:
        await self._stats.upsert_organisation(conn, organisation_id, name, time_zone)

    async def roles_changed(
        self,
        conn: AsyncConnection,
        organisation_id: uuid.UUID,
        user_id: uuid.UUID,
        roles: Iterable[str],
        version: int,
        at: datetime,
    ) -> None:
        after = known_roles(roles)
        kept = await self._stats.member_roles(conn, organisation_id, user_id)
        before = kept[0] if kept is not None else frozenset()
        if not await self._stats.keep_member_roles(conn, organisation_id, user_id, after, version):
            return  # an older version than what is kept: it changes nothing
        monday = await self._week(conn, organisation_id, at)
        gained, given_up = role_changes(before, after)
        for role in gained:
            await self._stats.add_role_changes(conn, organisation_id, monday, role, joined=1)
        for role in given_up:
            await self._stats.add_role_changes(conn, organisation_id, monday, role, departed=1)
        if after and not before:
            await self._stats.add_to_week(conn, organisation_id, monday, members_joined=1)
        elif before and not after:
            await self._stats.add_to_week(conn, organisation_id, monday, members_departed=1)

    async def message_posted(
        self, conn: AsyncConnection, organisation_id: uuid.UUID, author_id: uuid.UUID, at: datetime
    ) -> None:
        monday = await self._week(conn, organisation_id, at)
        await self._stats.count_message(conn, organisation_id, monday, author_id)

    async def chat_created(
        self, conn: AsyncConnection, organisation_id: uuid.UUID, created_by: uuid.UUID | None, at: datetime
    ) -> None:
        monday = await self._week(conn, organisation_id, at)
        await self._stats.add_to_week(conn, organisation_id, monday, chats_created=1)
        if created_by is not None:
            await self._stats.mark_active(conn, organisation_id, monday, [created_by])

    async def member_joined(
        self, conn: AsyncConnection, organisation_id: uuid.UUID, user_id: uuid.UUID, at: datetime
    ) -> None:
        monday = await self._week(conn, organisation_id, at)
        await self._stats.mark_active(conn, organisation_id, monday, [user_id])

    async def call_ended(
        self,
        conn: AsyncConnection,
        organisation_id: uuid.UUID,
        seconds: int,
        participants: Iterable[uuid.UUID],
        at: datetime,
    ) -> None:
        monday = await self._week(conn, organisation_id, at)
        await self._stats.add_to_week(conn, organisation_id, monday, calls=1, call_seconds=max(0, seconds))
        await self._stats.mark_active(conn, organisation_id, monday, participants)


# --- reading, for the gRPC service ------------------------------------------------------------------
class Statistics:
    """The use cases of the Statistics service: an organisation's weeks, every organisation's."""

    def __init__(
        self,
        db: Database,
        access: Access,
        stats: StatisticsStore,
        is_operator: OperatorCheck,
        clock: Clock = lambda: datetime.now(UTC),
    ) -> None:
        self._db = db
        self._access = access
        self._stats = stats
        self._is_operator = is_operator
        self._clock = clock

    async def organisation_weeks(
        self, principal: Principal, organisation_id: str, weeks: int
    ) -> OrganisationReport:
        count = check_weeks(weeks)
        org = parse_uuid(organisation_id, "организация")
        async with self._db.transaction("statistics_access") as conn:
            person = await self._access.person(conn, org, uuid.UUID(principal.user_id))
        if not person.is_member:
            # A closed space (R-ORG-1): to anyone but its members and the operator it does not exist.
            if not await self._is_operator(principal):
                raise NotFound("Организация не найдена")
        elif not may_see_statistics(person.roles) and not await self._is_operator(principal):
            raise PermissionDenied("Статистику организации видят её администратор и руководитель", rule=RULE)
        async with self._db.transaction("statistics_organisation") as conn:
            known = await self._stats.organisation(conn, org)
            time_zone = known.time_zone if known and known.time_zone else DEFAULT_TIME_ZONE
            mondays = recent_weeks(self._clock(), time_zone, count)
            rows = await self._stats.weeks(conn, [org], mondays[-1])
            role_rows = await self._stats.role_weeks(conn, [org], mondays[-1])
        return OrganisationReport(
            organisation_id=org,
            name=known.name if known else "",
            time_zone=time_zone,
            weeks=summarise(mondays, rows[org], role_rows[org]),
        )

    async def operator_weeks(self, principal: Principal, weeks: int) -> OperatorReport:
        count = check_weeks(weeks)
        if not await self._is_operator(principal):
            raise PermissionDenied("Статистику всех организаций видит оператор", rule=RULE)
        # Weeks are cut in each organisation's zone; the operator's range is counted in the default
        # zone, and every organisation's Mondays are dates, so they line up.
        mondays = recent_weeks(self._clock(), DEFAULT_TIME_ZONE, count)
        async with self._db.transaction("statistics_operator") as conn:
            organisations = await self._stats.organisations(conn)
            ids = [o.id for o in organisations]
            rows = await self._stats.weeks(conn, ids, mondays[-1])
            role_rows = await self._stats.role_weeks(conn, ids, mondays[-1])
        reports = [
            OrganisationReport(
                organisation_id=o.id,
                name=o.name,
                time_zone=o.time_zone or DEFAULT_TIME_ZONE,
                weeks=summarise(mondays, rows[o.id], role_rows[o.id]),
            )
            for o in organisations
        ]
        return OperatorReport(totals=add_up([r.weeks for r in reports], mondays), organisations=reports)
