"""Movement (R-MOVE-1, R-MOVE-2): the administrator transfers students between classes and records
students and staff leaving, with history; the events tell messaging whom to move or remove, with
the parents. Through real HTTP, gateway, directory and NATS."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import nats
import pytest_asyncio
from nats.aio.client import Client as NATS

from parta.common.v1 import common_pb2
from parta.events.v1 import directory_pb2
from services.directory.membership.store import MembershipStore
from services.directory.membership.tables import class_teachers
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
    operator = await operator_tokens(platform, "+79990000012")
    return await class_school(platform, operator, 211, "+79120002111", ["5А", "5Б"])


async def student_class(platform: Platform, school: ClassSchool, student: dict[str, Any]) -> str | None:
    async with platform.directory.runtime.db.transaction("test_student_class") as conn:
        value = await MembershipStore().student_class(
            conn, uuid.UUID(school.id), uuid.UUID(student["user_id"])
        )
    return str(value) if value is not None else None


async def test_R_MOVE_2_a_transfer_moves_the_student_and_the_event_carries_both_classes_and_the_parents(
    platform: Platform, school: ClassSchool, nc: NATS
) -> None:
    student = await school.member("student", "5А")
    parent = await school.member("parent", "5А")
    await school.link_parent(parent, student)
    async with directory_events(nc) as events:
        moved = await platform.http.post(
            f"/api/v1/orgs/{school.id}/movements:transfer",
            headers=school.admin,
            json={
                "user_id": student["user_id"],
                "to_class_id": school.classes["5Б"],
                "reason": "Заявление родителей",
            },
        )
        assert moved.status_code == 200, moved.text
        event = await events.first(
            "directory.student.transferred", directory_pb2.StudentTransferred(), user_id=student["user_id"]
        )
    assert (moved.json()["kind"], moved.json()["from_class_id"], moved.json()["to_class_id"]) == (
        "transfer",
        school.classes["5А"],
        school.classes["5Б"],
    )
    assert (event.from_class_id, event.to_class_id, list(event.parent_ids)) == (
        school.classes["5А"],
        school.classes["5Б"],
        [parent["user_id"]],
    )
    assert await student_class(platform, school, student) == school.classes["5Б"]
    assert await school.roles_of(student) == ["student"]
    history = await platform.http.get(
        f"/api/v1/orgs/{school.id}/movements?user_id={student['user_id']}", headers=school.admin
    )
    assert [(m["kind"], m["reason"]) for m in history.json()["movements"]] == [
        ("transfer", "Заявление родителей")
    ]


async def test_R_MOVE_1_a_transfer_goes_to_another_class_of_the_organisation_only(
    platform: Platform, school: ClassSchool
) -> None:
    student = await school.member("student", "5А")
    teacher = await school.member("teacher")
    classes = (await platform.http.get(f"/api/v1/orgs/{school.id}/classes", headers=school.admin)).json()
    staff_room = next(c["id"] for c in classes["classes"] if c["kind"] == "staff_room")
    path = f"/api/v1/orgs/{school.id}/movements:transfer"

    async def transfer(user: dict[str, Any], to_class_id: str) -> Any:
        body = {"user_id": user["user_id"], "to_class_id": to_class_id}
        return await platform.http.post(path, headers=school.admin, json=body)

    same = await transfer(student, school.classes["5А"])
    assert (same.status_code, same.json()["error"]["rule"]) == (409, "R-MOVE-1")
    to_staff_room = await transfer(student, staff_room)
    assert (to_staff_room.status_code, to_staff_room.json()["error"]["rule"]) == (409, "R-MOVE-1")
    assert (await transfer(student, str(uuid.uuid4()))).status_code == 404
    assert (await transfer(teacher, school.classes["5Б"])).status_code == 404
    by_teacher = await platform.http.post(
        path,
        headers=bearer(teacher),
        json={"user_id": student["user_id"], "to_class_id": school.classes["5Б"]},
    )
    assert by_teacher.status_code == 403
    assert await student_class(platform, school, student) == school.classes["5А"]


async def test_R_MOVE_2_a_leaving_student_is_no_longer_a_member_and_the_event_names_class_and_parents(
    platform: Platform, school: ClassSchool, nc: NATS
) -> None:
    student = await school.member("student", "5А")
    sibling = await school.member("student", "5Б")
    only_child_parent = await school.member("parent", "5А")
    two_children_parent = await school.member("parent", "5А")
    await school.link_parent(only_child_parent, student)
    await school.link_parent(two_children_parent, student)
    await school.link_parent(two_children_parent, sibling)
    path = f"/api/v1/orgs/{school.id}/movements:leave"
    async with directory_events(nc) as events:
        left = await platform.http.post(
            path,
            headers=school.admin,
            json={"user_id": student["user_id"], "reason": "Переезд в другой город"},
        )
        assert left.status_code == 200, left.text
        event = await events.first(
            "directory.member.left", directory_pb2.MemberLeft(), user_id=student["user_id"]
        )
    assert (left.json()["kind"], left.json()["from_class_id"]) == ("student_left", school.classes["5А"])
    assert list(event.former_roles) == [common_pb2.ORG_ROLE_STUDENT]
    assert event.class_id == school.classes["5А"]
    assert set(event.parent_ids) == {only_child_parent["user_id"], two_children_parent["user_id"]}
    # R-ORG-1: a former member sees nothing of the organisation.
    assert (await platform.http.get(f"/api/v1/orgs/{school.id}", headers=bearer(student))).status_code == 404
    assert await student_class(platform, school, student) is None
    # A parent goes with their last child here; a parent of another pupil stays.
    assert await school.roles_of(only_child_parent) == []
    assert await school.roles_of(two_children_parent) == ["parent"]

    again = await platform.http.post(path, headers=school.admin, json={"user_id": student["user_id"]})
    assert (again.status_code, again.json()["error"]["rule"]) == (409, "R-MOVE-1")
    nobody = await platform.http.post(path, headers=school.admin, json={"user_id": str(uuid.uuid4())})
    assert nobody.status_code == 404
    history = await platform.http.get(f"/api/v1/orgs/{school.id}/movements", headers=school.admin)
    assert ("student_left", student["user_id"]) in [
        (m["kind"], m["user_id"]) for m in history.json()["movements"]
    ]


async def test_R_MOVE_2_a_leaving_staff_member_loses_staff_roles_and_assignments(
    platform: Platform, school: ClassSchool, nc: NATS
) -> None:
    teacher = await school.member("teacher")
    async with platform.directory.runtime.db.transaction("test_assign_class_teacher") as conn:
        await conn.execute(
            class_teachers.insert().values(
                class_id=uuid.UUID(school.classes["5Б"]),
                organisation_id=uuid.UUID(school.id),
                user_id=uuid.UUID(teacher["user_id"]),
            )
        )
    async with directory_events(nc) as events:
        left = await platform.http.post(
            f"/api/v1/orgs/{school.id}/movements:leave",
            headers=school.admin,
            json={"user_id": teacher["user_id"], "reason": "Увольнение по собственному желанию"},
        )
        assert left.status_code == 200, left.text
        event = await events.first(
            "directory.member.left", directory_pb2.MemberLeft(), user_id=teacher["user_id"]
        )
    assert left.json()["kind"] == "staff_left"
    assert list(event.former_roles) == [common_pb2.ORG_ROLE_TEACHER]
    assert (await platform.http.get(f"/api/v1/orgs/{school.id}", headers=bearer(teacher))).status_code == 404
    async with platform.directory.runtime.db.transaction("test_classes_taught") as conn:
        taught = await MembershipStore().classes_led_by(
            conn, uuid.UUID(school.id), uuid.UUID(teacher["user_id"])
        )
    assert taught == []


async def test_R_ROLE_6_a_leaving_teacher_who_is_a_pupils_parent_stays_a_parent(
    platform: Platform, school: ClassSchool
) -> None:
    teacher = await school.member("teacher")
    pupil = await school.member("student", "5Б")
    approved = await school.request_to_join(teacher, "parent", "5Б")
    request_id = approved.json()["id"]
    await platform.http.post(
        f"/api/v1/orgs/{school.id}/join-requests/{request_id}:approve", headers=school.admin
    )
    await school.link_parent(teacher, pupil)
    left = await platform.http.post(
        f"/api/v1/orgs/{school.id}/movements:leave",
        headers=school.admin,
        json={"user_id": teacher["user_id"]},
    )
    assert left.status_code == 200
    assert await school.roles_of(teacher) == ["parent"]


async def test_R_MOVE_1_the_administrator_records_movement_and_the_head_reads_the_history(
    platform: Platform, school: ClassSchool
) -> None:
    head = await school.member("head")
    teacher = await school.member("teacher")
    history = f"/api/v1/orgs/{school.id}/movements"
    assert (await platform.http.get(history, headers=bearer(head))).status_code == 200
    assert (await platform.http.get(history, headers=bearer(teacher))).status_code == 403
    by_head = await platform.http.post(
        history + ":leave", headers=bearer(head), json={"user_id": teacher["user_id"]}
    )
    assert by_head.status_code == 403
    own = await platform.http.post(
        history + ":leave", headers=school.admin, json={"user_id": school.school.admin["user_id"]}
    )
    assert (own.status_code, own.json()["error"]["rule"]) == (409, "R-MOVE-1")
