"""Joining by the organisation's join code with the class chosen (R-INV-3): the code shows the
organisation's name and this year's classes (no members) to a signed-in person; unknown codes count
as guesses like unknown invite tokens (R-INV-2); a parent names the child and the relation
(R-ROLE-6), kept as a claim for the class teacher when the child is not in the class yet."""

from __future__ import annotations

import uuid
from typing import Any

import pytest_asyncio
from sqlalchemy import delete, select

from services.common.link_tokens import MAX_ADDRESS_FAILURES
from services.directory.joining.tables import join_code_failures
from services.directory.membership.store import MembershipStore
from services.directory.membership.tables import parent_claims, parent_links
from tests.support.http import bearer
from tests.support.platform import Platform
from tests.support.schools import ClassSchool, class_school, operator_tokens


@pytest_asyncio.fixture(scope="module")
async def operator(platform: Platform) -> dict[str, Any]:
    return await operator_tokens(platform, "+79990000231")


@pytest_asyncio.fixture(scope="module")
async def school(platform: Platform, operator: dict[str, Any]) -> ClassSchool:
    school = await class_school(platform, operator, 231, "+79120002311", ["5А", "6Б"])
    await school.add_class("4В", academic_year="2020/2021")  # a past year's class is not offered
    return school


async def preview(platform: Platform, tokens: dict[str, Any], code: str) -> Any:
    return await platform.http.get(f"/api/v1/join-codes/{code}", headers=bearer(tokens))


async def test_R_INV_3_a_join_code_shows_the_organisation_and_this_years_classes_only(
    platform: Platform, school: ClassSchool
) -> None:
    stranger = await platform.sign_in("code.looker@people.example")
    response = await preview(platform, stranger, (await school.join_code()).lower())
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"organisation_name", "organisation_kind", "classes"}  # nothing about members
    assert body["organisation_kind"] == "school"
    names = [(c["name"], c["kind"]) for c in body["classes"]]
    assert ("5А", "class") in names
    assert ("6Б", "class") in names
    assert ("4В", "class") not in names
    assert any(kind == "staff_room" for _, kind in names)
    assert {c["id"] for c in body["classes"] if c["name"] == "5А"} == {school.classes["5А"]}


async def test_a_join_code_is_shown_only_to_someone_signed_in(
    platform: Platform, school: ClassSchool
) -> None:
    response = await platform.http.get(f"/api/v1/join-codes/{await school.join_code()}")
    assert response.status_code == 401


async def test_R_INV_3_a_student_asks_with_the_class_chosen_and_joins_it(
    platform: Platform, school: ClassSchool
) -> None:
    student = await platform.sign_in("code.student@people.example")
    classes = (await preview(platform, student, await school.join_code())).json()["classes"]
    class_5a = next(c["id"] for c in classes if c["name"] == "5А")
    body = {"join_code": await school.join_code(), "role": "student", "class_id": class_5a}
    created = await platform.http.post("/api/v1/join-requests", headers=bearer(student), json=body)
    assert created.status_code == 201, created.text
    approved = await platform.http.post(
        f"/api/v1/orgs/{school.id}/join-requests/{created.json()['id']}:approve", headers=school.admin
    )
    assert approved.status_code == 200, approved.text
    async with platform.directory.runtime.db.transaction("test_student_class") as conn:
        placed = await MembershipStore().student_class(
            conn, uuid.UUID(school.id), uuid.UUID(student["user_id"])
        )
    assert str(placed) == class_5a


async def test_R_ROLE_6_a_parent_names_a_child_not_yet_in_the_class_and_the_claim_is_kept(
    platform: Platform, school: ClassSchool
) -> None:
    parent = await platform.sign_in("code.mother@people.example")
    claim = {"child_first_name": "Миша", "child_last_name": "Смирнов", "relation": "mother"}
    body = {
        "join_code": await school.join_code(),
        "role": "parent",
        "class_id": school.classes["6Б"],
        "parent": claim,
    }
    created = await platform.http.post("/api/v1/join-requests", headers=bearer(parent), json=body)
    assert created.status_code == 201, created.text
    # The administrator sees which child the parent named.
    assert created.json()["parent"] == {**claim, "child_id": None}
    approved = await platform.http.post(
        f"/api/v1/orgs/{school.id}/join-requests/{created.json()['id']}:approve", headers=school.admin
    )
    assert approved.status_code == 200, approved.text
    async with platform.directory.runtime.db.transaction("test_read_claims") as conn:
        claims = (
            await conn.execute(
                select(
                    parent_claims.c.class_id, parent_claims.c.child_first_name, parent_claims.c.relation
                ).where(parent_claims.c.parent_id == uuid.UUID(parent["user_id"]))
            )
        ).all()
    assert [(str(c), f, r) for c, f, r in claims] == [(school.classes["6Б"], "Миша", "mother")]


async def test_R_ROLE_6_a_parent_who_picks_a_student_is_linked_with_the_relation(
    platform: Platform, school: ClassSchool
) -> None:
    child = await school.member("student", "6Б")
    parent = await platform.sign_in("code.father@people.example")
    body = {
        "join_code": await school.join_code(),
        "role": "parent",
        "class_id": school.classes["6Б"],
        "parent": {"child_id": child["user_id"], "relation": "father"},
    }
    created = await platform.http.post("/api/v1/join-requests", headers=bearer(parent), json=body)
    assert created.status_code == 201, created.text
    approved = await platform.http.post(
        f"/api/v1/orgs/{school.id}/join-requests/{created.json()['id']}:approve", headers=school.admin
    )
    assert approved.status_code == 200, approved.text
    async with platform.directory.runtime.db.transaction("test_read_links") as conn:
        links = (
            await conn.execute(
                select(parent_links.c.child_id, parent_links.c.relation).where(
                    parent_links.c.parent_id == uuid.UUID(parent["user_id"])
                )
            )
        ).all()
    assert [(str(c), r) for c, r in links] == [(child["user_id"], "father")]


async def test_R_ROLE_6_a_parent_cannot_pick_a_student_of_another_class(
    platform: Platform, school: ClassSchool
) -> None:
    child = await school.member("student", "5А")
    parent = await platform.sign_in("code.wrong.class@people.example")
    body = {
        "join_code": await school.join_code(),
        "role": "parent",
        "class_id": school.classes["6Б"],
        "parent": {"child_id": child["user_id"], "relation": "guardian"},
    }
    refused = await platform.http.post("/api/v1/join-requests", headers=bearer(parent), json=body)
    assert (refused.status_code, refused.json()["error"]["rule"]) == (409, "R-ROLE-6")


async def test_R_ROLE_6_a_parent_says_who_they_are_to_the_child(
    platform: Platform, school: ClassSchool
) -> None:
    parent = await platform.sign_in("code.aunt@people.example")
    body = {
        "join_code": await school.join_code(),
        "role": "parent",
        "class_id": school.classes["6Б"],
        "parent": {"child_first_name": "Миша", "child_last_name": "Смирнов", "relation": "aunt"},
    }
    refused = await platform.http.post("/api/v1/join-requests", headers=bearer(parent), json=body)
    assert refused.status_code == 400  # not one of мама, папа, другой законный представитель


async def test_R_INV_2_unknown_join_codes_are_limited_per_person_not_per_school_address(
    platform: Platform, school: ClassSchool
) -> None:
    """Everyone here shares one address, as a school behind one NAT does: one person's wrong codes
    make that person wait — even for the right code, so guessing gets nowhere — and nobody else."""
    guesser = await platform.sign_in("code.guesser@people.example")
    parent = await platform.sign_in("code.parent@people.example")
    try:
        statuses = [(await preview(platform, guesser, f"ZZ{n:06d}")).status_code for n in range(21)]
        assert set(statuses) == {404}
        limited = await preview(platform, guesser, "ZZ999999")
        assert (limited.status_code, limited.json()["error"]["rule"]) == (429, "R-INV-2")
        assert int(limited.headers["retry-after"]) > 0
        assert (await preview(platform, guesser, await school.join_code())).status_code == 429
        # Another person behind the same address finds the school at once.
        assert (await preview(platform, parent, await school.join_code())).status_code == 200
    finally:
        async with platform.directory.runtime.db.transaction("test_forget_guesses") as conn:
            await conn.execute(delete(join_code_failures))


async def test_R_INV_2_one_address_cycling_through_accounts_meets_the_address_ceiling(
    platform: Platform, school: ClassSchool
) -> None:
    """The address's ceiling (MAX_ADDRESS_FAILURES) holds a guesser who signs in as many people."""
    first, second = [await platform.sign_in(f"cycler{n}@people.example") for n in range(2)]
    async with platform.directory.runtime.db.transaction("test_seed_guesses") as conn:
        await conn.execute(
            join_code_failures.insert(),
            [{"client_address": "127.0.0.1", "user_id": uuid.uuid4()} for _ in range(MAX_ADDRESS_FAILURES)],
        )
    try:
        assert (await preview(platform, first, "YY000000")).status_code == 404  # at the ceiling
        assert (await preview(platform, second, "YY000001")).status_code == 429  # past it, whoever asks
    finally:
        async with platform.directory.runtime.db.transaction("test_forget_guesses") as conn:
            await conn.execute(delete(join_code_failures))
