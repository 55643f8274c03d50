"""Assignments (R-ROLE-3, R-ROLE-4) through real HTTP: administrators only from joined staff, one
class teacher per class (a teacher or an educator), subject teachers per (class, subject)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import nats
import pytest_asyncio
from nats.aio.client import Client as NATS

from parta.events.v1 import directory_pb2, envelope_pb2
from services.directory.membership.store import MembershipStore
from tests.directory.joining_helpers import create_class, roles_of, seed_member
from tests.support.http import bearer
from tests.support.platform import Infra, Platform
from tests.support.schools import School, add_operator, approved_school

OPERATOR_PHONE = "+79990000401"


@pytest_asyncio.fixture(scope="module")
async def school(platform: Platform) -> School:
    await add_operator(platform, OPERATOR_PHONE)
    operator = await platform.sign_in(OPERATOR_PHONE)
    return await approved_school(platform, operator, 401, "+79120040101")


@pytest_asyncio.fixture(scope="module")
async def nc(infra: Infra) -> AsyncIterator[NATS]:
    client = await nats.connect(infra.nats.url)
    yield client
    await client.close()


async def put_class_teacher(platform: Platform, school: School, class_id: str, user_id: str) -> Any:
    return await platform.http.put(
        f"/api/v1/orgs/{school.id}/classes/{class_id}/class-teacher",
        headers=bearer(school.admin),
        json={"user_id": user_id},
    )


async def test_administrator_appointed_only_from_joined_staff(platform: Platform, school: School) -> None:
    """R-ROLE-3: an outsider or a student cannot be made administrator; a joined teacher can."""
    for user_id in (str(uuid.uuid4()), await seed_member(platform, school.id, ["student"])):
        refused = await platform.http.post(
            f"/api/v1/orgs/{school.id}/members/{user_id}:appoint-administrator", headers=bearer(school.admin)
        )
        assert (refused.status_code, refused.json()["error"]["rule"]) == (409, "R-ROLE-3")
        assert "R-ROLE-3" not in refused.json()["error"]["message"]  # people read the reason, not the code
    teacher = await seed_member(platform, school.id, ["teacher"])
    appointed = await platform.http.post(
        f"/api/v1/orgs/{school.id}/members/{teacher}:appoint-administrator", headers=bearer(school.admin)
    )
    assert appointed.status_code == 200
    assert appointed.json()["roles"] == ["administrator", "teacher"]
    assert await roles_of(platform, school, teacher) == ["administrator", "teacher"]


async def test_class_teacher_is_a_teacher_or_educator(platform: Platform, school: School) -> None:
    """R-ROLE-4: a parent or a head without a teaching role cannot lead a class; nor the staff room."""
    class_id = await create_class(platform, school, "7А")
    for roles in (["parent"], ["head"]):
        refused = await put_class_teacher(
            platform, school, class_id, await seed_member(platform, school.id, roles)
        )
        assert (refused.status_code, refused.json()["error"]["rule"]) == (409, "R-ROLE-4")
    classes = (
        await platform.http.get(f"/api/v1/orgs/{school.id}/classes", headers=bearer(school.admin))
    ).json()
    room = next(c["id"] for c in classes["classes"] if c["kind"] == "staff_room")
    teacher = await seed_member(platform, school.id, ["teacher"])
    assert (await put_class_teacher(platform, school, room, teacher)).status_code == 400
    educator = await seed_member(platform, school.id, ["educator"])
    assert (await put_class_teacher(platform, school, class_id, educator)).status_code == 200


async def test_reassigning_class_teacher_replaces_the_previous_one(
    platform: Platform, school: School, nc: NATS
) -> None:
    """R-ROLE-4: one class teacher per class; the replaced one keeps the role only while leading another."""
    announced: asyncio.Queue[directory_pb2.ClassTeacherAssigned] = asyncio.Queue()

    async def on_event(msg: Any) -> None:
        event = directory_pb2.ClassTeacherAssigned()
        envelope_pb2.EventEnvelope.FromString(msg.data).payload.Unpack(event)
        await announced.put(event)

    sub = await nc.subscribe("parta.directory.class.teacher_assigned", cb=on_event)
    class_8a, class_8b = (
        await create_class(platform, school, "8А"),
        await create_class(platform, school, "8Б"),
    )
    first, second = [await seed_member(platform, school.id, ["teacher"]) for _ in range(2)]
    assert (await put_class_teacher(platform, school, class_8a, first)).status_code == 200
    assert (await put_class_teacher(platform, school, class_8b, first)).status_code == 200
    assert await roles_of(platform, school, first) == ["class_teacher", "teacher"]

    assert (await put_class_teacher(platform, school, class_8a, second)).status_code == 200
    assert await roles_of(platform, school, second) == ["class_teacher", "teacher"]
    assert await roles_of(platform, school, first) == ["class_teacher", "teacher"]  # still leads 8Б
    assert (await put_class_teacher(platform, school, class_8b, second)).status_code == 200
    assert await roles_of(platform, school, first) == ["teacher"]

    seen = [await asyncio.wait_for(announced.get(), timeout=5) for _ in range(4)]
    await sub.unsubscribe()
    assert [(e.class_id, e.user_id) for e in seen] == [
        (class_8a, first),
        (class_8b, first),
        (class_8a, second),
        (class_8b, second),
    ]


async def test_subject_teachers_are_assigned_per_class_and_subject(
    platform: Platform, school: School
) -> None:
    """R-ROLE-4: one teacher per (class, subject); a new assignment replaces the old one."""
    class_9a = await create_class(platform, school, "9А")
    maths, physics = [await seed_member(platform, school.id, ["teacher"]) for _ in range(2)]
    path = f"/api/v1/orgs/{school.id}/classes/{class_9a}/subjects"
    headers = bearer(school.admin)
    for subject, user_id in (("Математика", maths), ("Физика", physics), ("Математика", physics)):
        response = await platform.http.post(
            path, headers=headers, json={"subject": subject, "user_id": user_id}
        )
        assert response.status_code == 201, response.text
    listed = await platform.http.get(
        f"/api/v1/orgs/{school.id}/subjects?class_id={class_9a}", headers=headers
    )
    assert [(a["subject"], a["user_id"]) for a in listed.json()["assignments"]] == [
        ("Математика", physics),
        ("Физика", physics),
    ]
    short = await platform.http.post(path, headers=headers, json={"subject": "М", "user_id": maths})
    assert short.status_code == 400
    parent = await seed_member(platform, school.id, ["parent"])
    not_a_teacher = await platform.http.post(
        path, headers=headers, json={"subject": "Химия", "user_id": parent}
    )
    assert (not_a_teacher.status_code, not_a_teacher.json()["error"]["rule"]) == (409, "R-ROLE-4")


async def test_class_list_names_the_class_teacher_and_counts_students_and_parents(
    platform: Platform, school: School
) -> None:
    """R-ROLE-4: the class card shows who leads the class; R-ROLE-5/6: how many students and linked
    parents it has. The staff room and a class without a teacher show none."""
    class_10a, class_10b = (
        await create_class(platform, school, "10А"),
        await create_class(platform, school, "10Б"),
    )
    teacher = await seed_member(platform, school.id, ["teacher"])
    assigned = await put_class_teacher(platform, school, class_10a, teacher)
    assert assigned.json()["class_teacher_id"] == teacher
    students = [await seed_member(platform, school.id, ["student"]) for _ in range(3)]
    parents = [await seed_member(platform, school.id, ["parent"]) for _ in range(2)]
    store = MembershipStore()
    org = uuid.UUID(school.id)
    async with platform.directory.runtime.db.transaction("test_seed_class") as conn:
        for student in students:
            await store.set_student_class(conn, org, uuid.UUID(student), uuid.UUID(class_10a))
        # Two parents of the first child, one of them also of the second: two parents in all.
        await store.link_parent(conn, org, uuid.UUID(parents[0]), uuid.UUID(students[0]))
        await store.link_parent(conn, org, uuid.UUID(parents[1]), uuid.UUID(students[0]))
        await store.link_parent(conn, org, uuid.UUID(parents[0]), uuid.UUID(students[1]))

    listed = (
        await platform.http.get(f"/api/v1/orgs/{school.id}/classes", headers=bearer(school.admin))
    ).json()["classes"]
    by_id = {c["id"]: c for c in listed}
    assert (by_id[class_10a]["class_teacher_id"], by_id[class_10a]["student_count"]) == (teacher, 3)
    assert by_id[class_10a]["parent_count"] == 2
    assert (by_id[class_10b]["class_teacher_id"], by_id[class_10b]["student_count"]) == (None, 0)
    room = next(c for c in listed if c["kind"] == "staff_room")
    assert (room["class_teacher_id"], room["parent_count"]) == (None, 0)
