"""The whole story of a school joining Parta, through the public HTTP API with every service real,
and the events it leaves on NATS: application → approval → the administrator signs in → classes →
a teacher's link → the teacher joins and is verified → class teacher → student and parent links →
student and parent join → transfer → the student leaves (R-ORG-2..6, R-ROLE-2..6, R-INV-1..5,
R-MOVE-1..2)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import nats
import pytest_asyncio
from nats.aio.client import Client as NATS

from parta.events.v1 import envelope_pb2
from tests.support.http import bearer
from tests.support.platform import Infra, Platform
from tests.support.schools import add_operator, application
from tests.support.waiting import until

OPERATOR = "+79990000500"
ADMIN_PHONE = "+79120050050"


@pytest_asyncio.fixture
async def events(infra: Infra) -> AsyncIterator[list[str]]:
    """The types of the directory's and identity's events, as they arrive."""
    seen: list[str] = []
    client: NATS = await nats.connect(infra.nats.url)

    async def record(msg: Any) -> None:
        seen.append(envelope_pb2.EventEnvelope.FromString(msg.data).type)

    await client.subscribe("parta.directory.>", cb=record)
    await client.subscribe("parta.identity.role.>", cb=record)
    yield seen
    await client.close()


async def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


async def test_a_school_joins_builds_its_classes_and_its_people_move(
    platform: Platform, events: list[str]
) -> None:
    http = platform.http
    await add_operator(platform, OPERATOR)
    operator = await platform.sign_in(OPERATOR)

    # R-ORG-2: the school applies; R-ORG-3: the operator approves, the named administrator signs in.
    applicant = await platform.sign_in("secretary@story.example")
    submitted = await ok(
        await http.post(
            "/api/v1/applications", headers=bearer(applicant), json=application(500, ADMIN_PHONE)
        ),
        201,
    )
    approved = await ok(
        await http.post(f"/api/v1/applications/{submitted['id']}:approve", headers=bearer(operator))
    )
    org = approved["organisation_id"]
    admin = await platform.sign_in(ADMIN_PHONE)
    mine = (await ok(await http.get("/api/v1/orgs", headers=bearer(admin))))["organisations"]
    assert [(o["id"], o["my_roles"]) for o in mine] == [(org, ["administrator"])]

    # R-ORG-6: classes by the nomenclature; R-ORG-5: the staff room is there.
    classes = f"/api/v1/orgs/{org}/classes"
    five_a = (
        await ok(
            await http.post(
                classes, headers=bearer(admin), json={"name": "5а", "academic_year": "2026/2027"}
            ),
            201,
        )
    )["id"]
    six_a = (
        await ok(
            await http.post(
                classes, headers=bearer(admin), json={"name": "6А", "academic_year": "2026/2027"}
            ),
            201,
        )
    )["id"]
    staff_room = next(
        c["id"]
        for c in (await ok(await http.get(classes, headers=bearer(admin))))["classes"]
        if c["kind"] == "staff_room"
    )

    # R-INV-1: a teacher's link to the staff room; the preview shows no members.
    link = await ok(
        await http.post(
            f"/api/v1/orgs/{org}/invites",
            headers=bearer(admin),
            json={"class_id": staff_room, "role": "teacher"},
        ),
        201,
    )
    preview = await ok(await http.get(f"/api/v1/invites/{link['token']}"))
    assert (preview["class_name"], preview["role"]) == ("Учительская", "teacher")
    teacher = await platform.sign_in("teacher@story.example")
    joined = await ok(await http.post(f"/api/v1/invites/{link['token']}:accept", headers=bearer(teacher)))
    assert joined["my_roles"] == ["teacher"]

    # R-ROLE-2: pending at identity, verified by the administrator, shown as a badge.
    pending = await until(
        lambda: _pending(platform, org, admin, teacher["user_id"]),
    )
    await ok(await http.post(f"/api/v1/verifications/{pending}:verify", headers=bearer(admin)))
    members = f"/api/v1/orgs/{org}/members"

    async def badge() -> bool:
        rows = (await ok(await http.get(members, headers=bearer(admin))))["members"]
        return any(m["user_id"] == teacher["user_id"] and m["verified_roles"] == ["teacher"] for m in rows)

    await until(badge)

    # R-ROLE-4: the teacher leads 5А, and (R-INV-1) invites its students and their parents.
    await ok(
        await http.put(
            f"{classes}/{five_a}/class-teacher", headers=bearer(admin), json={"user_id": teacher["user_id"]}
        )
    )
    student_link = await ok(
        await http.post(
            f"/api/v1/orgs/{org}/invites",
            headers=bearer(teacher),
            json={"class_id": five_a, "role": "student"},
        ),
        201,
    )
    student = await platform.sign_in("student@story.example")
    assert (
        await ok(await http.post(f"/api/v1/invites/{student_link['token']}:accept", headers=bearer(student)))
    )["my_roles"] == ["student"]
    parent_link = await ok(
        await http.post(
            f"/api/v1/orgs/{org}/invites",
            headers=bearer(teacher),
            json={"class_id": five_a, "role": "parent", "student_id": student["user_id"]},
        ),
        201,
    )
    parent = await platform.sign_in("parent@story.example")
    await ok(await http.post(f"/api/v1/invites/{parent_link['token']}:accept", headers=bearer(parent)))
    children = await ok(
        await http.get(f"/api/v1/orgs/{org}/parents?parent_id={parent['user_id']}", headers=bearer(parent))
    )
    assert [link["child_id"] for link in children["links"]] == [student["user_id"]]

    # R-MOVE-1/2: the student moves to 6А, then leaves; the parent of an only child goes too.
    await ok(
        await http.post(
            f"/api/v1/orgs/{org}/movements:transfer",
            headers=bearer(admin),
            json={"user_id": student["user_id"], "to_class_id": six_a, "reason": "По заявлению родителей"},
        )
    )
    await ok(
        await http.post(
            f"/api/v1/orgs/{org}/movements:leave",
            headers=bearer(admin),
            json={"user_id": student["user_id"], "reason": "Переезд"},
        )
    )
    assert (await http.get(f"/api/v1/orgs/{org}", headers=bearer(student))).status_code == 404
    assert (await http.get(f"/api/v1/orgs/{org}", headers=bearer(parent))).status_code == 404
    history = (await ok(await http.get(f"/api/v1/orgs/{org}/movements", headers=bearer(admin))))["movements"]
    assert [m["kind"] for m in history] == ["transfer", "student_left"]

    expected = [
        "directory.organisation.activated",
        "directory.member.roles_changed",
        "directory.class.created",
        "identity.role.verified",
        "directory.class.teacher_assigned",
        "directory.student.enrolled",
        "directory.parent.linked",
        "directory.student.transferred",
        "directory.member.left",
    ]
    await until(lambda: _have(events, expected))


async def _pending(platform: Platform, org: str, admin: dict[str, Any], user_id: str) -> str | None:
    response = await platform.http.get(
        f"/api/v1/orgs/{org}/verifications?status=pending", headers=bearer(admin)
    )
    assert response.status_code == 200, response.text
    found = [v["id"] for v in response.json()["verifications"] if v["user_id"] == user_id]
    return found[0] if found else None


async def _have(events: list[str], expected: list[str]) -> bool:
    return all(event in events for event in expected)
