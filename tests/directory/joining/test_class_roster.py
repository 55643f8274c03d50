"""A parent holding a class's parents' link picks their child among the class's students, by name
only (R-ROLE-6): only that class, only names, only with a usable parents' link, only signed in;
unknown tokens count as guesses (R-INV-2)."""

from __future__ import annotations

from typing import Any

import pytest_asyncio
from sqlalchemy import delete

from services.directory.joining.tables import join_code_failures
from tests.support.http import bearer
from tests.support.platform import Platform
from tests.support.schools import ClassSchool, class_school, make_invite, operator_tokens
from tests.support.waiting import until


@pytest_asyncio.fixture(scope="module")
async def school(platform: Platform) -> ClassSchool:
    operator = await operator_tokens(platform, "+79990000251")
    return await class_school(platform, operator, 251, "+79120002511", ["5А", "6Б"])


async def named_student(
    platform: Platform, school: ClassSchool, class_name: str, first: str, last: str
) -> str:
    student = await school.member("student", class_name)
    saved = await platform.http.patch(
        "/api/v1/me", headers=bearer(student), json={"first_name": first, "last_name": last}
    )
    assert saved.status_code == 200, saved.text
    return str(student["user_id"])


async def roster(platform: Platform, tokens: dict[str, Any], token: str) -> Any:
    return await platform.http.get(f"/api/v1/invites/{token}/students", headers=bearer(tokens))


async def test_R_ROLE_6_a_parents_link_shows_its_class_students_by_name_only(
    platform: Platform, school: ClassSchool
) -> None:
    misha = await named_student(platform, school, "5А", "Миша", "Смирнов")
    await named_student(platform, school, "6Б", "Петя", "Иванов")
    link = await make_invite(
        platform, school.id, school.school.admin, class_id=school.classes["5А"], role="parent"
    )
    parent = await platform.sign_in("roster.parent@people.example")

    async def listed() -> bool:
        return bool((await roster(platform, parent, link["token"])).json()["students"])

    await until(listed)
    students = (await roster(platform, parent, link["token"])).json()["students"]
    assert students == [{"user_id": misha, "first_name": "Миша", "last_name": "Смирнов"}]


async def test_R_ROLE_6_a_students_link_does_not_show_the_class(
    platform: Platform, school: ClassSchool
) -> None:
    link = await make_invite(
        platform, school.id, school.school.admin, class_id=school.classes["5А"], role="student"
    )
    someone = await platform.sign_in("roster.student@people.example")
    refused = await roster(platform, someone, link["token"])
    assert (refused.status_code, refused.json()["error"]["rule"]) == (409, "R-ROLE-6")


async def test_the_class_list_needs_sign_in(platform: Platform, school: ClassSchool) -> None:
    link = await make_invite(
        platform, school.id, school.school.admin, class_id=school.classes["5А"], role="parent"
    )
    assert (await platform.http.get(f"/api/v1/invites/{link['token']}/students")).status_code == 401


async def test_R_INV_2_unknown_tokens_for_the_class_list_are_limited(
    platform: Platform, school: ClassSchool
) -> None:
    guesser = await platform.sign_in("roster.guesser@people.example")
    try:
        statuses = [(await roster(platform, guesser, f"guess-{n}")).status_code for n in range(21)]
        assert set(statuses) == {404}
        limited = await roster(platform, guesser, "guess-last")
        assert (limited.status_code, limited.json()["error"]["rule"]) == (429, "R-INV-2")
    finally:
        async with platform.directory.runtime.db.transaction("test_forget_guesses") as conn:
            await conn.execute(delete(join_code_failures))
