"""R-PRIV-1: a person is visible only inside the organisations they share — names of fellow members
by id, and nothing about anyone else or to anyone outside."""

from __future__ import annotations

import uuid
from typing import Any

import pytest_asyncio

from services.directory.membership.roles import set_member_roles
from services.directory.membership.store import MembershipStore
from tests.support.http import bearer
from tests.support.platform import Platform
from tests.support.schools import School, add_operator, approved_school
from tests.support.waiting import until


@pytest_asyncio.fixture(scope="module")
async def schools(platform: Platform) -> tuple[School, School]:
    await add_operator(platform, "+79990000800")
    operator = await platform.sign_in("+79990000800")
    return (
        await approved_school(platform, operator, 800, "+79120080080"),
        await approved_school(platform, operator, 801, "+79120080181"),
    )


async def member(
    platform: Platform, school: School, destination: str, name: str, roles: list[str]
) -> dict[str, Any]:
    tokens = await platform.sign_in(destination)
    await platform.http.patch("/api/v1/me", headers=bearer(tokens), json={"display_name": name})
    async with platform.directory.runtime.db.transaction("test_seed") as conn:
        await set_member_roles(
            MembershipStore(),
            conn,
            organisation_id=uuid.UUID(school.id),
            user_id=uuid.UUID(tokens["user_id"]),
            roles=roles,
            action="test_seed",
            actor=None,
        )
    return tokens


async def names(platform: Platform, school: School, viewer: dict[str, Any], ids: list[str]) -> Any:
    query = "&".join(f"user_id={i}" for i in ids)
    return await platform.http.get(f"/api/v1/orgs/{school.id}/people?{query}", headers=bearer(viewer))


async def test_members_see_fellow_members_names_and_nobody_elses(
    platform: Platform, schools: tuple[School, School]
) -> None:
    school, other = schools
    teacher = await member(
        platform, school, "names.teacher@school800.example", "Ольга Николаевна", ["teacher"]
    )
    student = await member(platform, school, "names.student@school800.example", "Миша С.", ["student"])
    stranger = await member(platform, other, "names.stranger@school801.example", "Чужой", ["teacher"])
    ids = [teacher["user_id"], student["user_id"], stranger["user_id"]]

    async def both_named() -> Any:  # identity learns memberships from directory's events
        response = await names(platform, school, student, ids)
        return response if response.status_code == 200 and len(response.json()["people"]) == 2 else None

    response = await until(both_named, what="identity naming the school's two members")
    people = {p["user_id"]: p["name"] for p in response.json()["people"]}
    # The other school's member is left out: shared organisations only.
    assert people == {teacher["user_id"]: "Ольга Николаевна", student["user_id"]: "Миша С."}
    assert "@" not in response.text
    assert "+7" not in response.text

    # Someone outside the organisation learns nothing, not even that these ids are people.
    refused = await names(platform, school, stranger, ids)
    assert refused.status_code == 404
    assert "Ольга" not in refused.text
