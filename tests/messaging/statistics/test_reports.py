"""Weekly statistics (R-STAT-1): counted from events into their own tables, and shown to the
organisation's administrator and head and to the operator. Through the public HTTP API with every
service real; weeks are cut by plain functions, tested first."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import nats
import pytest
import pytest_asyncio
from sqlalchemy import func, select

from parta.common.v1 import common_pb2
from parta.events.v1 import directory_pb2, media_pb2, messaging_pb2
from services.common.events import make_envelope
from services.common.inbox import processed_events
from services.directory.membership.roles import set_member_roles
from services.directory.membership.store import MembershipStore as DirectoryStore
from services.messaging.statistics.events import DIRECTORY_DURABLE, MEDIA_DURABLE, MESSAGING_DURABLE
from services.messaging.statistics.reports import (
    RoleWeek,
    WeekStats,
    add_up,
    check_weeks,
    may_see_statistics,
    recent_weeks,
    role_changes,
    summarise,
    week_start,
)
from services.messaging.statistics.store import RoleWeekRow, WeekRow
from tests.support.chats import create_chat, join, post, synced, system_channel
from tests.support.http import bearer, ok
from tests.support.platform import Infra, Platform
from tests.support.schools import ClassSchool, class_school, operator_tokens
from tests.support.waiting import until

Tokens = dict[str, Any]
MOSCOW = "Europe/Moscow"


# --- weeks: plain functions -------------------------------------------------------------------------
def test_a_week_starts_on_monday_at_midnight_moscow_time() -> None:
    # Sunday 23:59 in Moscow (UTC+3, no DST) is still the old week; Monday 00:00 is the new one.
    assert week_start(datetime(2026, 11, 22, 20, 59, tzinfo=UTC), MOSCOW) == date(2026, 11, 16)
    assert week_start(datetime(2026, 11, 22, 21, 0, tzinfo=UTC), MOSCOW) == date(2026, 11, 23)
    # The same instant is still Sunday in UTC.
    assert week_start(datetime(2026, 11, 22, 21, 0, tzinfo=UTC), "UTC") == date(2026, 11, 16)
    # A summer date: Moscow keeps UTC+3 all year.
    assert week_start(datetime(2026, 7, 5, 21, 0, tzinfo=UTC), MOSCOW) == date(2026, 7, 6)


def test_a_week_in_utc_runs_from_monday_to_sunday_inclusive() -> None:
    assert week_start(datetime(2026, 11, 23, 0, 0, tzinfo=UTC), "UTC") == date(2026, 11, 23)
    assert week_start(datetime(2026, 11, 29, 23, 59, 59, tzinfo=UTC), "UTC") == date(2026, 11, 23)
    assert week_start(datetime(2026, 11, 30, 0, 0, tzinfo=UTC), "UTC") == date(2026, 11, 30)
    # Across a year end: 1 January 2027 is a Friday of the week starting 28 December 2026.
    assert week_start(datetime(2027, 1, 1, 12, 0, tzinfo=UTC), "UTC") == date(2026, 12, 28)


def test_an_unknown_time_zone_falls_back_to_moscow() -> None:
    moment = datetime(2026, 11, 22, 21, 30, tzinfo=UTC)
    assert week_start(moment, "") == week_start(moment, "Not/AZone") == date(2026, 11, 23)


def test_recent_weeks_end_with_the_current_one_oldest_first() -> None:
    weeks = recent_weeks(datetime(2026, 11, 25, 9, 0, tzinfo=UTC), MOSCOW, 3)
    assert weeks == [date(2026, 11, 9), date(2026, 11, 16), date(2026, 11, 23)]


def test_weeks_asked_for_are_between_1_and_104() -> None:
    assert check_weeks(0) == 12
    assert check_weeks(104) == 104
    for wrong in (-1, 105):
        with pytest.raises(Exception, match="недель"):
            check_weeks(wrong)


def test_r_stat_1_only_the_administrator_and_the_head_see_statistics() -> None:
    assert may_see_statistics({"administrator"})
    assert may_see_statistics({"head", "teacher"})
    for roles in ({"teacher"}, {"class_teacher"}, {"administration"}, {"student"}, {"parent"}, set()):
        assert not may_see_statistics(roles)


def test_role_changes_name_roles_gained_and_given_up() -> None:
    assert role_changes(frozenset({"teacher"}), frozenset({"teacher", "class_teacher"})) == (
        ["class_teacher"],
        [],
    )
    assert role_changes(frozenset({"student"}), frozenset()) == ([], ["student"])


def test_totals_at_a_weeks_end_add_up_every_week_before_it() -> None:
    w1, w2, w3 = date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16)
    rows = [
        WeekRow(date(2026, 10, 26), 2, 0, 1, 5, 1, 0, 0),  # before the range: only in the totals
        WeekRow(w2, 3, 1, 2, 7, 0, 1, 61),
    ]
    role_rows = [
        RoleWeekRow(date(2026, 10, 26), "teacher", 2, 0),
        RoleWeekRow(w2, "teacher", 1, 1),
        RoleWeekRow(w2, "student", 2, 0),
    ]
    weeks = summarise([w1, w2, w3], rows, role_rows)
    assert [w.members_total for w in weeks] == [2, 4, 4]
    assert [w.members_joined for w in weeks] == [0, 3, 0]
    assert [w.messages for w in weeks] == [0, 7, 0]
    assert weeks[1].call_minutes == 2  # 61 seconds, rounded up
    teacher = [next(r for r in w.roles if r.role == "teacher") for w in weeks]
    assert [(r.joined, r.total) for r in teacher] == [(0, 2), (1, 2), (0, 2)]
    student = [next(r for r in w.roles if r.role == "student") for w in weeks]
    assert [(r.joined, r.total) for r in student] == [(0, 0), (2, 2), (0, 2)]


def test_the_operators_sum_adds_organisations_week_by_week() -> None:
    monday = date(2026, 11, 16)
    a = [WeekStats(monday, members_joined=1, members_total=3, messages=4, active_users=2)]
    b = [WeekStats(monday, members_joined=2, members_total=5, messages=1, active_users=1)]
    (total,) = add_up([a, b], [monday])
    assert (total.members_joined, total.members_total, total.messages, total.active_users) == (3, 8, 5, 3)
    assert next(r for r in total.roles if r.role == "teacher") == RoleWeek("teacher", 0, 0)


# --- through the platform -------------------------------------------------------------------------
@dataclass
class World:
    platform: Platform
    school: ClassSchool
    other: ClassSchool
    operator: Tokens
    head: Tokens
    teacher: Tokens
    student: Tokens
    parent: Tokens
    other_admin: dict[str, str]

    @property
    def id(self) -> str:
        return self.school.id

    @property
    def admin(self) -> dict[str, str]:
        return self.school.admin


async def seeded(platform: Platform, school: ClassSchool, login: str, role: str) -> Tokens:
    tokens = await platform.sign_in(login)
    async with platform.directory.runtime.db.transaction("test_seed_member") as conn:
        await set_member_roles(
            DirectoryStore(),
            conn,
            organisation_id=uuid.UUID(school.id),
            user_id=uuid.UUID(tokens["user_id"]),
            roles=[role],
            action="test_seed",
            actor=None,
        )
    await synced(platform, school.id, tokens["user_id"], lambda p: role in p.roles)
    return tokens


@pytest_asyncio.fixture(scope="module")
async def world(platform: Platform) -> World:
    operator = await operator_tokens(platform, "+79990000800")
    school = await class_school(platform, operator, 800, "+79120080080", [])
    other = await class_school(platform, operator, 801, "+79120080081", [])
    return World(
        platform=platform,
        school=school,
        other=other,
        operator=operator,
        head=await seeded(platform, school, "head@stats.example", "head"),
        teacher=await seeded(platform, school, "teacher@stats.example", "teacher"),
        student=await seeded(platform, school, "student@stats.example", "student"),
        parent=await seeded(platform, school, "parent@stats.example", "parent"),
        other_admin=other.admin,
    )


async def statistics(world: World, headers: dict[str, str], weeks: int = 6) -> Any:
    response = await world.platform.http.get(
        f"/api/v1/orgs/{world.id}/statistics?weeks={weeks}", headers=headers
    )
    return ok(response)


async def current_week_when(world: World, check: Any, what: str) -> dict[str, Any]:
    """The current week of the school's statistics, once `check` holds of it."""

    async def ready() -> dict[str, Any] | None:
        week = (await statistics(world, world.admin))["weeks"][-1]
        return week if check(week) else None

    return dict(await until(ready, what=what))


def role(week: dict[str, Any], name: str) -> tuple[int, int]:
    found = next(r for r in week["roles"] if r["role"] == name)
    return found["joined"], found["total"]


async def publish(infra: Infra, subject: str, data: bytes) -> None:
    """Straight onto JetStream, without Nats-Msg-Id: the server does not de-duplicate it."""
    client = await nats.connect(infra.nats.url)
    try:
        await client.jetstream().publish(subject, data)
    finally:
        await client.close()


async def handled(platform: Platform, durable: str, event_id: str) -> bool:
    async with platform.messaging.runtime.db.transaction("test_handled") as conn:
        found = await conn.scalar(
            select(func.count()).where(
                processed_events.c.consumer == durable, processed_events.c.event_id == uuid.UUID(event_id)
            )
        )
    return bool(found)


async def test_r_stat_1_members_joining_by_role_are_counted_in_the_current_week(world: World) -> None:
    before = week_start(datetime.now(UTC), MOSCOW)
    week = await current_week_when(world, lambda w: w["members_total"] >= 5, "five members counted")
    after = week_start(datetime.now(UTC), MOSCOW)
    assert date.fromisoformat(week["week_start"]) in (before, after)
    assert (week["members_joined"], week["members_total"]) == (5, 5)
    for name in ("administrator", "head", "teacher", "student", "parent"):
        assert role(week, name) == (1, 1), name
    assert role(week, "educator") == (0, 0)


async def test_r_stat_1_a_role_gained_just_after_monday_midnight_moscow_counts_in_that_week(
    world: World, infra: Infra
) -> None:
    # Monday 00:30 in Moscow three weeks ago is still Sunday 21:30 in UTC.
    monday = week_start(datetime.now(UTC), MOSCOW) - timedelta(weeks=3)
    occurred = datetime(monday.year, monday.month, monday.day, tzinfo=UTC) - timedelta(hours=2, minutes=30)
    newcomer = str(uuid.uuid4())
    envelope = make_envelope(
        "directory.member.roles_changed",
        directory_pb2.MemberRolesChanged(
            organisation_id=world.id, user_id=newcomer, roles=[common_pb2.ORG_ROLE_EDUCATOR], version=1
        ),
        organisation_id=world.id,
        occurred_at=occurred,
    )
    await publish(infra, "parta.directory.member.roles_changed", envelope.SerializeToString())
    await until(
        lambda: handled(world.platform, DIRECTORY_DURABLE, envelope.event_id), what="the event handled"
    )

    weeks = (await statistics(world, world.admin))["weeks"]
    by_start = {w["week_start"]: w for w in weeks}
    that_week = by_start[monday.isoformat()]
    week_before = by_start[(monday - timedelta(weeks=1)).isoformat()]
    assert role(that_week, "educator") == (1, 1)
    assert role(week_before, "educator") == (0, 0)
    # The total at each later week's end still holds them.
    assert role(weeks[-1], "educator") == (0, 1)


async def test_r_stat_1_messages_chats_and_distinct_active_users_are_counted(world: World) -> None:
    platform = world.platform
    chat = await create_chat(platform, world.id, world.teacher, kind="other", title="Методобъединение")
    for text in ("Первое", "Второе"):
        ok(await post(platform, chat["id"], world.teacher, text), 201)
    admin_tokens = world.school.school.admin
    channel = await system_channel(platform, world.id, admin_tokens, "school")
    await join(platform, channel, admin_tokens)
    ok(await post(platform, channel["id"], admin_tokens, "Объявление"), 201)

    week = await current_week_when(world, lambda w: w["messages"] >= 3, "three messages counted")
    assert week["messages"] == 3
    # The two system channels of R-ORG-5 and the teacher's chat.
    assert week["chats_created"] == 3
    # The teacher (created, posted twice) and the administrator (joined, posted): two people.
    assert week["active_users"] == 2
    assert (week["calls"], week["call_minutes"]) == (0, 0)


async def test_r_stat_1_a_redelivered_event_is_counted_once(world: World, infra: Infra) -> None:
    platform = world.platform
    start = (await statistics(world, world.admin))["weeks"][-1]
    channel = await system_channel(platform, world.id, world.student, "school")  # joinable to them

    def posted(author: str) -> Any:
        return make_envelope(
            "messaging.message.posted",
            messaging_pb2.MessagePosted(
                organisation_id=world.id, chat_id=channel["id"], seq=1, author_id=author
            ),
            organisation_id=world.id,
        )

    duplicate = posted(world.student["user_id"])
    barrier = posted(world.parent["user_id"])
    await publish(infra, "parta.messaging.message.posted", duplicate.SerializeToString())
    await publish(infra, "parta.messaging.message.posted", duplicate.SerializeToString())
    await publish(infra, "parta.messaging.message.posted", barrier.SerializeToString())
    await until(lambda: handled(platform, MESSAGING_DURABLE, barrier.event_id), what="the barrier handled")

    week = (await statistics(world, world.admin))["weeks"][-1]
    assert week["messages"] == start["messages"] + 2
    assert week["active_users"] == start["active_users"] + 2


async def test_r_stat_1_a_finished_call_counts_with_its_minutes_and_its_people(
    world: World, infra: Infra
) -> None:
    start = (await statistics(world, world.admin))["weeks"][-1]
    guest = str(uuid.uuid4())
    ended = make_envelope(
        "media.call.ended",
        media_pb2.CallEnded(
            organisation_id=world.id,
            call_id=str(uuid.uuid4()),
            duration_seconds=125,
            participant_ids=[world.head["user_id"], guest, guest],
        ),
        organisation_id=world.id,
    )
    await publish(infra, "parta.media.call.ended", ended.SerializeToString())
    await until(lambda: handled(world.platform, MEDIA_DURABLE, ended.event_id), what="the call handled")
    week = (await statistics(world, world.admin))["weeks"][-1]
    assert (week["calls"], week["call_minutes"]) == (start["calls"] + 1, 3)  # 125 s, rounded up
    assert week["active_users"] == start["active_users"] + 2  # the head and the guest, once each


async def test_r_stat_1_the_administrator_and_the_head_see_their_organisations_statistics(
    world: World,
) -> None:
    report = await statistics(world, world.admin, weeks=12)
    assert report["organisation_id"] == world.id
    assert report["time_zone"] == MOSCOW
    assert len(report["weeks"]) == 12
    starts = [date.fromisoformat(w["week_start"]) for w in report["weeks"]]
    assert all(s.weekday() == 0 for s in starts)
    assert starts == sorted(starts)
    head = await statistics(world, bearer(world.head), weeks=12)
    assert head["weeks"] == report["weeks"]


@pytest.mark.parametrize("who", ["teacher", "student", "parent"])
async def test_r_stat_1_other_members_are_refused_naming_the_rule(world: World, who: str) -> None:
    response = await world.platform.http.get(
        f"/api/v1/orgs/{world.id}/statistics", headers=bearer(getattr(world, who))
    )
    assert response.status_code == 403, response.text
    assert response.json()["error"]["rule"] == "R-STAT-1"
    assert "weeks" not in response.text


async def test_r_org_1_another_schools_administrator_sees_no_statistics(world: World) -> None:
    response = await world.platform.http.get(f"/api/v1/orgs/{world.id}/statistics", headers=world.other_admin)
    assert response.status_code == 404, response.text
    assert "weeks" not in response.text


async def test_r_stat_1_members_and_other_administrators_are_refused_the_operators_statistics(
    world: World,
) -> None:
    for headers in (world.admin, world.other_admin, bearer(world.teacher)):
        response = await world.platform.http.get("/api/v1/operator/statistics", headers=headers)
        assert response.status_code == 403, response.text
        assert response.json()["error"]["rule"] == "R-STAT-1"


async def test_r_stat_1_the_operator_sees_every_organisation_and_their_sum(world: World) -> None:
    await current_week_when(world, lambda w: w["messages"] >= 3, "messages counted")
    report = ok(
        await world.platform.http.get("/api/v1/operator/statistics?weeks=4", headers=bearer(world.operator))
    )
    organisations = {o["organisation_id"]: o for o in report["organisations"]}
    assert {world.id, world.other.id} <= set(organisations)
    school = organisations[world.id]
    assert school["name"]
    assert len(school["weeks"]) == len(report["totals"]) == 4
    mine = await statistics(world, world.admin, weeks=4)
    assert school["weeks"] == mine["weeks"]
    assert organisations[world.other.id]["weeks"][-1]["members_total"] == 1  # its administrator
    current = report["totals"][-1]
    assert current["messages"] == sum(o["weeks"][-1]["messages"] for o in report["organisations"])
    assert current["messages"] >= school["weeks"][-1]["messages"] >= 3
    # The operator may open one organisation's page too.
    ok(await world.platform.http.get(f"/api/v1/orgs/{world.id}/statistics", headers=bearer(world.operator)))


async def test_r_stat_1_statistics_export_as_csv(world: World) -> None:
    response = await world.platform.http.get(
        f"/api/v1/orgs/{world.id}/statistics?weeks=3&format=csv", headers=world.admin
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    lines = response.text.strip().splitlines()
    assert lines[0].startswith("organisation,week_start,members_joined,members_total,active_users,messages")
    assert len(lines) == 1 + 3


async def test_weeks_out_of_range_are_refused(world: World) -> None:
    response = await world.platform.http.get(
        f"/api/v1/orgs/{world.id}/statistics?weeks=500", headers=world.admin
    )
    assert response.status_code == 400, response.text
