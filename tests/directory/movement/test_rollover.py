"""The academic-year rollover: in September classes move up a grade into the new year with their
students (a transfer each, R-MOVE-1, R-MOVE-2), the 11th grade graduates (leaves), and running it
twice changes nothing the second time."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import nats
import pytest_asyncio
from nats.aio.client import Client as NATS

from parta.events.v1 import directory_pb2
from services.directory.membership.store import MembershipStore
from tests.directory.events import directory_events
from tests.support.http import bearer
from tests.support.platform import Infra, Platform
from tests.support.schools import ClassSchool, class_school, operator_tokens


@pytest_asyncio.fixture(scope="module")
async def nc(infra: Infra) -> AsyncIterator[NATS]:
    client = await nats.connect(infra.nats.url)
    yield client
    await client.close()


@pytest_asyncio.fixture(scope="module")
async def school(platform: Platform) -> ClassSchool:
    operator = await operator_tokens(platform, "+79990000014")
    return await class_school(platform, operator, 231, "+79120002311", ["5А", "6А", "11Б"])


async def classes_of(platform: Platform, school: ClassSchool, year: str) -> dict[str, str]:
    response = await platform.http.get(
        f"/api/v1/orgs/{school.id}/classes?academic_year={year}", headers=school.admin
    )
    return {c["name"]: c["id"] for c in response.json()["classes"] if c["kind"] == "class"}


async def test_rollover_promotes_5A_to_6A_graduates_11B_and_is_idempotent(
    platform: Platform, school: ClassSchool, nc: NATS
) -> None:
    seventh = await school.add_class("7А", "2027/2028")  # made by hand before September: reused
    pupils = [await school.member("student", "5А", who="pupil") for _ in range(2)]
    sixth_grader = await school.member("student", "6А", who="sixth")
    graduate = await school.member("student", "11Б", who="graduate")
    parent = await school.member("parent", "11Б")
    await school.link_parent(parent, graduate)
    roll_over = f"/api/v1/orgs/{school.id}/academic-years/2026-2027:roll-over"

    async with directory_events(nc) as events:
        first = await platform.http.post(roll_over, headers=school.admin)
        assert first.status_code == 200, first.text
        next_year = await classes_of(platform, school, "2027/2028")
        moved = await events.first(
            "directory.student.transferred", directory_pb2.StudentTransferred(), user_id=pupils[0]["user_id"]
        )
        left = await events.first(
            "directory.member.left", directory_pb2.MemberLeft(), user_id=graduate["user_id"]
        )
    assert first.json() == {"classes_created": 1, "students_moved": 3, "students_graduated": 1}
    assert sorted(next_year) == ["6А", "7А"]
    assert next_year["7А"] == seventh
    assert (moved.from_class_id, moved.to_class_id) == (school.classes["5А"], next_year["6А"])
    assert (left.class_id, list(left.parent_ids)) == (school.classes["11Б"], [parent["user_id"]])

    async with platform.directory.runtime.db.transaction("test_student_classes") as conn:
        store = MembershipStore()
        placed = {
            name: await store.student_class(conn, uuid.UUID(school.id), uuid.UUID(person["user_id"]))
            for name, person in (("5А", pupils[0]), ("5А+", pupils[1]), ("6А", sixth_grader))
        }
    assert {name: str(class_id) for name, class_id in placed.items()} == {
        "5А": next_year["6А"],
        "5А+": next_year["6А"],
        "6А": next_year["7А"],
    }
    # The graduate and their only-child parent are no longer members (R-MOVE-2).
    assert (await platform.http.get(f"/api/v1/orgs/{school.id}", headers=bearer(graduate))).status_code == 404
    assert await school.roles_of(parent) == []
    history = (
        await platform.http.get(
            f"/api/v1/orgs/{school.id}/movements?user_id={graduate['user_id']}", headers=school.admin
        )
    ).json()["movements"]
    assert [(m["kind"], m["reason"]) for m in history] == [("student_left", "выпуск")]

    second = await platform.http.post(roll_over, headers=school.admin)
    assert second.json() == {"classes_created": 0, "students_moved": 0, "students_graduated": 0}
    assert await classes_of(platform, school, "2027/2028") == next_year
    transfers = (
        await platform.http.get(
            f"/api/v1/orgs/{school.id}/movements?user_id={pupils[0]['user_id']}", headers=school.admin
        )
    ).json()["movements"]
    assert [m["kind"] for m in transfers] == ["transfer"]


async def test_rollover_is_the_administrators_and_names_a_real_academic_year(
    platform: Platform, school: ClassSchool
) -> None:
    teacher = await school.member("teacher")
    refused = await platform.http.post(
        f"/api/v1/orgs/{school.id}/academic-years/2026-2027:roll-over", headers=bearer(teacher)
    )
    assert refused.status_code == 403
    bad = await platform.http.post(
        f"/api/v1/orgs/{school.id}/academic-years/2026-2029:roll-over", headers=school.admin
    )
    assert bad.status_code == 400
