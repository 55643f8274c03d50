"""Support requests (R-PRIV-4): any member asks their organisation's administrator or the operator
for help; only the author and the addressee see a request, and only the addressee answers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest_asyncio

from tests.support.http import bearer
from tests.support.platform import Platform
from tests.support.schools import ClassSchool, class_school, operator_tokens


@dataclass
class People:
    school: ClassSchool
    other: ClassSchool
    operator: dict[str, Any]
    student: dict[str, Any]
    teacher: dict[str, Any]


@pytest_asyncio.fixture(scope="module")
async def people(platform: Platform) -> People:
    operator = await operator_tokens(platform, "+79990000013")
    school = await class_school(platform, operator, 221, "+79120002211", ["3В"])
    other = await class_school(platform, operator, 222, "+79120002222", [])
    return People(
        school, other, operator, await school.member("student", "3В"), await school.member("teacher")
    )


async def ask(
    platform: Platform, school: ClassSchool, author: dict[str, Any], addressee: str, subject: str
) -> Any:
    response = await platform.http.post(
        f"/api/v1/orgs/{school.id}/support-requests",
        headers=bearer(author),
        json={"addressee": addressee, "subject": subject, "text": "Не открывается чат класса, что делать?"},
    )
    assert response.status_code == 201, response.text
    return response.json()


async def seen(platform: Platform, path: str, who: dict[str, str]) -> set[str]:
    response = await platform.http.get(path, headers=who)
    assert response.status_code == 200, response.text
    return {r["id"] for r in response.json()["requests"]}


async def test_R_PRIV_4_a_request_to_the_administrator_reaches_the_administrator_and_its_author_only(
    platform: Platform, people: People
) -> None:
    request = await ask(platform, people.school, people.student, "administrator", "Не вижу чат класса")
    assert (request["status"], request["addressee"], request["author_id"]) == (
        "open",
        "administrator",
        people.student["user_id"],
    )
    listing = f"/api/v1/orgs/{people.school.id}/support-requests"
    assert request["id"] in await seen(platform, listing, people.school.admin)
    assert request["id"] in await seen(platform, listing, bearer(people.student))
    assert request["id"] not in await seen(platform, listing, bearer(people.teacher))
    assert request["id"] not in await seen(platform, listing, bearer(people.operator))
    assert request["id"] not in await seen(platform, "/api/v1/support-requests", bearer(people.operator))

    path = f"/api/v1/support-requests/{request['id']}"
    answer = {"status": "resolved", "answer": "Добавили вас в чат 3В"}
    assert (await platform.http.patch(path, headers=bearer(people.student), json=answer)).status_code == 403
    assert (await platform.http.patch(path, headers=bearer(people.teacher), json=answer)).status_code == 404
    assert (await platform.http.patch(path, headers=bearer(people.operator), json=answer)).status_code == 404
    assert (await platform.http.patch(path, headers=people.other.admin, json=answer)).status_code == 404
    answered = await platform.http.patch(path, headers=people.school.admin, json=answer)
    assert answered.status_code == 200, answered.text
    mine = (await platform.http.get(listing, headers=bearer(people.student))).json()["requests"]
    assert [(r["status"], r["answer"]) for r in mine if r["id"] == request["id"]] == [
        ("resolved", "Добавили вас в чат 3В")
    ]


async def test_R_PRIV_4_a_request_to_the_operator_reaches_operator_staff_not_the_administrator(
    platform: Platform, people: People
) -> None:
    request = await ask(platform, people.school, people.teacher, "operator", "Администратор не отвечает")
    elsewhere = await ask(platform, people.other, people.other.school.admin, "operator", "Нужна помощь")
    queue = await seen(platform, "/api/v1/support-requests", bearer(people.operator))
    assert {request["id"], elsewhere["id"]} <= queue
    listing = f"/api/v1/orgs/{people.school.id}/support-requests"
    assert request["id"] in await seen(platform, listing, bearer(people.operator))
    assert elsewhere["id"] not in await seen(platform, listing, bearer(people.operator))
    assert request["id"] not in await seen(platform, listing, people.school.admin)
    assert request["id"] in await seen(platform, listing, bearer(people.teacher))

    path = f"/api/v1/support-requests/{request['id']}"
    assert (
        await platform.http.patch(path, headers=people.school.admin, json={"status": "resolved"})
    ).status_code == 404
    taken = await platform.http.patch(path, headers=bearer(people.operator), json={"status": "in_progress"})
    assert (taken.status_code, taken.json()["status"]) == (200, "in_progress")
    nothing = await platform.http.patch(path, headers=bearer(people.operator), json={})
    assert nothing.status_code == 400
    assert (
        await platform.http.get("/api/v1/support-requests", headers=people.school.admin)
    ).status_code == 403


async def test_R_PRIV_4_members_only_with_a_subject_and_a_text(platform: Platform, people: People) -> None:
    path = f"/api/v1/orgs/{people.school.id}/support-requests"
    short = {"addressee": "administrator", "subject": "?", "text": "Помогите, пожалуйста"}
    response = await platform.http.post(path, headers=bearer(people.student), json=short)
    assert (response.status_code, "Тема" in response.json()["error"]["message"]) == (400, True)
    no_text = {"addressee": "operator", "subject": "Вопрос", "text": " "}
    assert (await platform.http.post(path, headers=bearer(people.student), json=no_text)).status_code == 400
    fine = {"addressee": "operator", "subject": "Вопрос", "text": "Помогите, пожалуйста"}
    assert (await platform.http.post(path, headers=people.other.admin, json=fine)).status_code == 404
    assert (await platform.http.get(path, headers=people.other.admin)).status_code == 404
