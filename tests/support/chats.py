"""Chats as tests need them: waiting for messaging's read model of the directory to catch up with
directory's events, schools whose people messaging knows, and HTTP shortcuts for chats."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from services.messaging.chats.access_store import AccessStore
from services.messaging.readmodel.people import Person
from tests.support.http import bearer, ok
from tests.support.platform import Platform
from tests.support.schools import ClassSchool, class_school, operator_tokens
from tests.support.waiting import until


async def person(platform: Platform, org: str, user_id: str) -> Person:
    async with platform.messaging.runtime.db.transaction("test_person") as conn:
        return await AccessStore().person(conn, uuid.UUID(org), uuid.UUID(user_id))


async def synced(platform: Platform, org: str, user_id: str, check: Callable[[Person], bool]) -> Person:
    """Wait until messaging's read model says `check` of the person."""

    async def ready() -> Person | None:
        found = await person(platform, org, user_id)
        return found if check(found) else None

    return await until(ready, what=f"read model of {user_id}")


async def system_channel(
    platform: Platform, org: str, tokens: dict[str, Any], system_kind: str
) -> dict[str, Any]:
    """A system channel of the organisation as `tokens` sees it among the chats they may join."""

    async def find() -> dict[str, Any] | None:
        response = await platform.http.get(f"/api/v1/orgs/{org}/chats/joinable", headers=bearer(tokens))
        if response.status_code != 200:
            return None
        return next((c for c in response.json()["chats"] if c["system_kind"] == system_kind), None)

    return dict(await until(find, what=f"system channel {system_kind}"))


async def create_chat(platform: Platform, org: str, tokens: dict[str, Any], **body: Any) -> dict[str, Any]:
    response = await platform.http.post(f"/api/v1/orgs/{org}/chats", headers=bearer(tokens), json=body)
    return dict(ok(response, 201))


async def join(platform: Platform, chat: dict[str, Any], tokens: dict[str, Any]) -> dict[str, Any]:
    response = await platform.http.post(
        f"/api/v1/chats/{chat['id']}:join",
        headers=bearer(tokens),
        json={"rules_version": chat["rules_version"]},
    )
    return dict(ok(response))


async def post(platform: Platform, chat_id: str, tokens: dict[str, Any], text: str) -> Any:
    return await platform.http.post(
        f"/api/v1/chats/{chat_id}/messages", headers=bearer(tokens), json={"text": text}
    )


@dataclass
class TeacherSchool:
    """A school with classes, a class teacher of its first class (known to messaging), and
    another school whose administrator messaging knows too."""

    school: ClassSchool
    teacher: dict[str, Any]
    other: ClassSchool


async def appoint_class_teacher(platform: Platform, school: ClassSchool, class_name: str) -> dict[str, Any]:
    """A new teacher joins and becomes the class teacher of `class_name`, as messaging knows it."""
    teacher = await school.member("teacher", who="classteacher")
    class_id = school.classes[class_name]
    response = await platform.http.put(
        f"/api/v1/orgs/{school.id}/classes/{class_id}/class-teacher",
        headers=school.admin,
        json={"user_id": teacher["user_id"]},
    )
    assert response.status_code == 200, response.text
    await synced(platform, school.id, teacher["user_id"], lambda p: uuid.UUID(class_id) in p.class_teacher_of)
    return teacher


async def enrolled_students(
    platform: Platform, school: ClassSchool, class_name: str, count: int
) -> list[dict[str, Any]]:
    """`count` new students of `class_name`, as messaging knows them."""
    class_id = uuid.UUID(school.classes[class_name])
    students = [await school.member("student", class_name) for _ in range(count)]
    for student in students:
        await synced(platform, school.id, student["user_id"], lambda p: p.student_class == class_id)
    return students


async def school_with_class_teacher(
    platform: Platform, seed: int, admin_phone: str, other_admin_phone: str, classes: list[str]
) -> TeacherSchool:
    operator = await operator_tokens(platform, f"+7999000{seed:04d}")
    school = await class_school(platform, operator, seed, admin_phone, classes)
    other = await class_school(platform, operator, seed + 1, other_admin_phone, [])
    teacher = await appoint_class_teacher(platform, school, classes[0])
    await synced(platform, school.id, school.school.admin["user_id"], lambda p: p.is_admin)
    await synced(platform, other.id, other.school.admin["user_id"], lambda p: p.is_admin)
    return TeacherSchool(school, teacher, other)


@dataclass
class ClassChat:
    """A school's class chat made by its class teacher (so its moderator, R-MOD-1), with `students`
    enrolled in the class as messaging knows them (none has joined the chat yet), and another school
    whose administrator messaging knows."""

    school: ClassSchool
    other: ClassSchool
    teacher: dict[str, Any]
    students: list[dict[str, Any]]
    chat: dict[str, Any]


async def class_chat(
    platform: Platform, seed: int, admin_phone: str, other_admin_phone: str, class_name: str, students: int
) -> ClassChat:
    made = await school_with_class_teacher(platform, seed, admin_phone, other_admin_phone, [class_name])
    school, class_id = made.school, made.school.classes[class_name]
    chat = await create_chat(platform, school.id, made.teacher, kind="class", class_id=class_id)
    enrolled = await enrolled_students(platform, school, class_name, students)
    return ClassChat(school, made.other, made.teacher, enrolled, chat)


async def block(
    platform: Platform, chat_id: str, moderator: dict[str, Any], member: dict[str, Any], days: int
) -> None:
    """The moderator records four serious violations of the member's, then blocks them for `days`
    days (R-MOD-3)."""
    url = f"/api/v1/chats/{chat_id}"
    for _ in range(4):
        body = {"user_id": member["user_id"], "rule": 2, "comment": "Грубость"}
        ok(await platform.http.post(url + "/violations", headers=bearer(moderator), json=body), 201)
    body = {"user_id": member["user_id"], "days": days, "reason": "Четыре нарушения"}
    ok(await platform.http.post(url + "/blocks", headers=bearer(moderator), json=body), 201)
