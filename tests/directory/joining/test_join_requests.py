"""Join requests by the organisation's join code (R-INV-3): anyone asks, the administrator (a class
teacher for their class's students and parents) decides, approval makes the membership. Through
real HTTP, gateway, directory, identity and NATS."""

from __future__ import annotations

import uuid
from typing import Any

import pytest_asyncio

from services.directory.membership.store import MembershipStore
from services.directory.membership.tables import class_teachers
from tests.support.http import bearer
from tests.support.platform import Platform
from tests.support.schools import ClassSchool, class_school, operator_tokens


@pytest_asyncio.fixture(scope="module")
async def operator(platform: Platform) -> dict[str, Any]:
    return await operator_tokens(platform, "+79990000011")


@pytest_asyncio.fixture(scope="module")
async def school(platform: Platform, operator: dict[str, Any]) -> ClassSchool:
    return await class_school(platform, operator, 201, "+79120002011", ["5А", "6Б"])


async def test_R_INV_3_a_teacher_asks_with_the_join_code_and_the_administrator_approves(
    platform: Platform, school: ClassSchool
) -> None:
    teacher = await platform.sign_in("new.teacher@people.example")
    body = {"join_code": (await school.join_code()).lower(), "role": "teacher", "message": "Учитель физики"}
    created = await platform.http.post("/api/v1/join-requests", headers=bearer(teacher), json=body)
    assert created.status_code == 201, created.text
    request = created.json()
    assert (request["status"], request["role"], request["user_id"]) == (
        "pending",
        "teacher",
        teacher["user_id"],
    )
    classes = (await platform.http.get(f"/api/v1/orgs/{school.id}/classes", headers=school.admin)).json()
    staff_room = next(c["id"] for c in classes["classes"] if c["kind"] == "staff_room")
    assert request["class_id"] == staff_room  # staff join through the staff room
    # Not a member while the request waits.
    assert (await platform.http.get(f"/api/v1/orgs/{school.id}", headers=bearer(teacher))).status_code == 404

    pending = await platform.http.get(
        f"/api/v1/orgs/{school.id}/join-requests?status=pending", headers=school.admin
    )
    assert [(r["id"], r["message"]) for r in pending.json()["requests"]] == [
        (request["id"], "Учитель физики")
    ]
    approved = await platform.http.post(
        f"/api/v1/orgs/{school.id}/join-requests/{request['id']}:approve", headers=school.admin
    )
    assert approved.status_code == 200, approved.text
    assert (approved.json()["status"], approved.json()["decided_by"]) == (
        "approved",
        school.school.admin["user_id"],
    )
    assert await school.roles_of(teacher) == ["teacher"]
    left = await platform.http.get(
        f"/api/v1/orgs/{school.id}/join-requests?status=pending", headers=school.admin
    )
    assert left.json()["requests"] == []


async def test_R_INV_3_an_unknown_join_code_is_not_found(platform: Platform) -> None:
    someone = await platform.sign_in("guesser@people.example")
    response = await platform.http.post(
        "/api/v1/join-requests", headers=bearer(someone), json={"join_code": "NOSUCH99", "role": "teacher"}
    )
    assert response.status_code == 404
    assert "код" in response.json()["error"]["message"]


async def test_R_INV_3_a_student_names_a_class_of_that_organisation(
    platform: Platform, operator: dict[str, Any], school: ClassSchool
) -> None:
    student = await platform.sign_in("class.needed@people.example")
    no_class = await school.request_to_join(student, "student")
    assert no_class.status_code == 400
    assert "класс" in no_class.json()["error"]["message"]

    other = await class_school(platform, operator, 202, "+79120002022", ["7В"])
    code = await school.join_code()
    foreign = await platform.http.post(
        "/api/v1/join-requests",
        headers=bearer(student),
        json={"join_code": code, "role": "student", "class_id": other.classes["7В"]},
    )
    assert foreign.status_code == 404

    classes = (await platform.http.get(f"/api/v1/orgs/{school.id}/classes", headers=school.admin)).json()
    staff_room = next(c["id"] for c in classes["classes"] if c["kind"] == "staff_room")
    in_staff_room = await platform.http.post(
        "/api/v1/join-requests",
        headers=bearer(student),
        json={"join_code": code, "role": "student", "class_id": staff_room},
    )
    assert (in_staff_room.status_code, in_staff_room.json()["error"]["rule"]) == (409, "R-INV-1")
    teacher_in_class = await school.request_to_join(student, "teacher", "5А")
    assert (teacher_in_class.status_code, teacher_in_class.json()["error"]["rule"]) == (409, "R-INV-1")
    administrator = await platform.http.post(
        "/api/v1/join-requests", headers=bearer(student), json={"join_code": code, "role": "administrator"}
    )
    assert administrator.status_code == 400


async def test_R_INV_3_a_second_pending_request_to_the_same_organisation_is_409(
    platform: Platform, school: ClassSchool
) -> None:
    parent = await platform.sign_in("eager.parent@people.example")
    first = await school.request_to_join(parent, "parent", "5А")
    assert first.status_code == 201
    second = await school.request_to_join(parent, "student", "6Б")
    assert (second.status_code, second.json()["error"]["code"]) == (409, "already_exists")


async def test_R_INV_3_a_request_is_decided_once_and_a_rejection_needs_a_reason(
    platform: Platform, school: ClassSchool
) -> None:
    student = await platform.sign_in("decided.once@people.example")
    request = (await school.request_to_join(student, "student", "5А")).json()
    path = f"/api/v1/orgs/{school.id}/join-requests/{request['id']}"
    no_reason = await platform.http.post(path + ":reject", headers=school.admin, json={"reason": "  "})
    assert no_reason.status_code == 400
    approved = await platform.http.post(path + ":approve", headers=school.admin)
    assert approved.status_code == 200
    again = await platform.http.post(path + ":reject", headers=school.admin, json={"reason": "Передумали"})
    assert (again.status_code, again.json()["error"]["rule"]) == (409, "R-INV-3")
    assert "R-INV-3" not in again.json()["error"]["message"]  # people read the reason, not the code
    # R-ROLE-5: the approved student is in the class they asked for.
    async with platform.directory.runtime.db.transaction("test_student_class") as conn:
        placed = await MembershipStore().student_class(
            conn, uuid.UUID(school.id), uuid.UUID(student["user_id"])
        )
    assert str(placed) == school.classes["5А"]


async def test_R_INV_3_someone_already_holding_the_role_is_told_so(
    platform: Platform, school: ClassSchool
) -> None:
    teacher = await school.member("teacher")
    again = await school.request_to_join(teacher, "teacher")
    assert (again.status_code, again.json()["error"]["rule"]) == (409, "R-INV-3")
    # Another role is a new request: a teacher may also be a parent here (R-ROLE-1).
    as_parent = await school.request_to_join(teacher, "parent", "6Б")
    assert as_parent.status_code == 201


async def test_R_INV_5_a_rejected_person_stays_outside_and_sees_no_data(
    platform: Platform, school: ClassSchool
) -> None:
    stranger = await platform.sign_in("stranger@people.example")
    request = (await school.request_to_join(stranger, "student", "6Б")).json()
    rejected = await platform.http.post(
        f"/api/v1/orgs/{school.id}/join-requests/{request['id']}:reject",
        headers=school.admin,
        json={"reason": "Такого ученика нет в списках"},
    )
    assert (rejected.json()["status"], rejected.json()["reason"]) == (
        "rejected",
        "Такого ученика нет в списках",
    )
    assert (await platform.http.get(f"/api/v1/orgs/{school.id}", headers=bearer(stranger))).status_code == 404
    peek = await platform.http.get(f"/api/v1/orgs/{school.id}/join-requests", headers=bearer(stranger))
    assert peek.status_code == 404


async def test_R_INV_3_a_class_teacher_sees_and_decides_only_their_classes_students_and_parents(
    platform: Platform, school: ClassSchool
) -> None:
    await school.add_class("8Г")
    class_teacher = await school.member("teacher", who="class.teacher")
    async with platform.directory.runtime.db.transaction("test_assign_class_teacher") as conn:
        await conn.execute(
            class_teachers.insert().values(
                class_id=uuid.UUID(school.classes["8Г"]),
                organisation_id=uuid.UUID(school.id),
                user_id=uuid.UUID(class_teacher["user_id"]),
            )
        )
    mine = (
        await school.request_to_join(await platform.sign_in("pupil.8g@people.example"), "student", "8Г")
    ).json()
    theirs = (
        await school.request_to_join(await platform.sign_in("pupil.6b@people.example"), "student", "6Б")
    ).json()
    staff = (await school.request_to_join(await platform.sign_in("staff.x@people.example"), "head")).json()

    listed = await platform.http.get(
        f"/api/v1/orgs/{school.id}/join-requests?status=pending", headers=bearer(class_teacher)
    )
    assert listed.status_code == 200
    assert [r["id"] for r in listed.json()["requests"]] == [mine["id"]]
    everything = await platform.http.get(
        f"/api/v1/orgs/{school.id}/join-requests?status=pending", headers=school.admin
    )
    assert {mine["id"], theirs["id"], staff["id"]} <= {r["id"] for r in everything.json()["requests"]}

    path = f"/api/v1/orgs/{school.id}/join-requests/"
    assert (
        await platform.http.post(path + f"{mine['id']}:approve", headers=bearer(class_teacher))
    ).status_code == 200
    for other in (theirs, staff):
        refused = await platform.http.post(path + f"{other['id']}:approve", headers=bearer(class_teacher))
        assert refused.status_code == 403, other

    plain_teacher = await school.member("teacher", who="plain.teacher")
    listed = await platform.http.get(f"/api/v1/orgs/{school.id}/join-requests", headers=bearer(plain_teacher))
    assert listed.status_code == 403


async def test_R_INV_3_the_administrator_sees_who_asks_by_the_name_in_their_profile(
    platform: Platform, school: ClassSchool
) -> None:
    """R-INV-3, R-PRIV-1: the requester is not a member yet, so identity would not name them; the
    request carries the name of their profile when they asked (not a name typed into the request)."""
    named = await platform.sign_in("named.parent@people.example")
    profile = await platform.http.patch(
        "/api/v1/me", headers=bearer(named), json={"display_name": "  Мария   Петрова "}
    )
    assert profile.status_code == 200, profile.text
    unnamed = await platform.sign_in("unnamed.teacher@people.example")
    forged = {"requester_name": "Директор"}  # not a field of the request: ignored
    asked_named = await school.request_to_join(named, "parent", "5А")
    asked_unnamed = await platform.http.post(
        "/api/v1/join-requests",
        headers=bearer(unnamed),
        json={"join_code": await school.join_code(), "role": "teacher", **forged},
    )
    assert asked_named.status_code == 201, asked_named.text
    assert asked_unnamed.status_code == 201, asked_unnamed.text
    assert asked_named.json()["requester_name"] == "Мария Петрова"

    pending = await platform.http.get(
        f"/api/v1/orgs/{school.id}/join-requests?status=pending", headers=school.admin
    )
    names = {r["user_id"]: r["requester_name"] for r in pending.json()["requests"]}
    assert names[named["user_id"]] == "Мария Петрова"
    assert names[unnamed["user_id"]] is None
    # Identity still does not name a non-member to the administrator (R-PRIV-1).
    people = await platform.http.get(
        f"/api/v1/orgs/{school.id}/people?user_id={named['user_id']}", headers=school.admin
    )
    assert people.json()["people"] == []
