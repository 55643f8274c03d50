"""Parents linked to their children (R-ROLE-6) through real HTTP: who may link, whom, and who sees
the links (R-PRIV-1)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest_asyncio

from services.directory.membership.roles import set_member_roles
from services.directory.membership.store import MembershipStore
from tests.directory.joining_helpers import create_class, seed_member
from tests.support.http import bearer
from tests.support.platform import Platform
from tests.support.schools import School, add_operator, approved_school

OPERATOR_PHONE = "+79990000501"


@pytest_asyncio.fixture(scope="module")
async def school(platform: Platform) -> School:
    await add_operator(platform, OPERATOR_PHONE)
    operator = await platform.sign_in(OPERATOR_PHONE)
    return await approved_school(platform, operator, 501, "+79120050101")


async def seed_student(platform: Platform, school: School, class_id: str) -> str:
    student = await seed_member(platform, school.id, ["student"])
    async with platform.directory.runtime.db.transaction("test_place_student") as conn:
        await MembershipStore().set_student_class(
            conn, uuid.UUID(school.id), uuid.UUID(student), uuid.UUID(class_id)
        )
    return student


async def class_teacher_of(
    platform: Platform, school: School, class_id: str, destination: str
) -> dict[str, Any]:
    tokens = await platform.sign_in(destination)
    async with platform.directory.runtime.db.transaction("test_seed_teacher") as conn:
        store = MembershipStore()
        await set_member_roles(
            store,
            conn,
            organisation_id=uuid.UUID(school.id),
            user_id=uuid.UUID(tokens["user_id"]),
            roles=["teacher"],
            action="test_seed",
            actor=None,
        )
    assigned = await platform.http.put(
        f"/api/v1/orgs/{school.id}/classes/{class_id}/class-teacher",
        headers=bearer(school.admin),
        json={"user_id": tokens["user_id"]},
    )
    assert assigned.status_code == 200, assigned.text
    return tokens


async def link(platform: Platform, school: School, by: dict[str, Any], parent: str, child: str) -> Any:
    return await platform.http.post(
        f"/api/v1/orgs/{school.id}/parents", headers=bearer(by), json={"parent_id": parent, "child_id": child}
    )


async def test_class_teacher_links_parents_of_own_class_only(platform: Platform, school: School) -> None:
    """R-ROLE-6: the class teacher of the child's class (or the administrator) links a parent."""
    class_3a, class_3b = (
        await create_class(platform, school, "3А"),
        await create_class(platform, school, "3Б"),
    )
    teacher = await class_teacher_of(platform, school, class_3a, "ct3a@school501.example")
    own, other = (
        await seed_student(platform, school, class_3a),
        await seed_student(platform, school, class_3b),
    )
    parent = await seed_member(platform, school.id, ["parent"])

    linked = await link(platform, school, teacher, parent, own)
    assert (linked.status_code, linked.json()["parent_id"], linked.json()["child_id"]) == (201, parent, own)
    assert (await link(platform, school, teacher, parent, own)).status_code == 201  # again: nothing new
    assert (await link(platform, school, teacher, parent, other)).status_code == 403
    assert (await link(platform, school, school.admin, parent, other)).status_code == 201

    links = await platform.http.get(
        f"/api/v1/orgs/{school.id}/parents?parent_id={parent}", headers=bearer(teacher)
    )
    assert sorted(x["child_id"] for x in links.json()["links"]) == sorted([own, other])


async def test_only_a_parent_is_linked_and_only_to_a_student(platform: Platform, school: School) -> None:
    """R-ROLE-6: the parent holds the parent role; the child is a student of this organisation."""
    class_4a = await create_class(platform, school, "4А")
    student = await seed_student(platform, school, class_4a)
    teacher = await seed_member(platform, school.id, ["teacher"])
    parent = await seed_member(platform, school.id, ["parent"])
    for parent_id, child_id in ((teacher, student), (parent, teacher), (parent, str(uuid.uuid4()))):
        refused = await link(platform, school, school.admin, parent_id, child_id)
        assert (refused.status_code, refused.json()["error"]["rule"]) == (409, "R-ROLE-6")


async def test_parent_sees_only_own_children(platform: Platform, school: School) -> None:
    """R-PRIV-1: staff see the links; a parent only their own children; a student none."""
    class_2a = await create_class(platform, school, "2А")
    parent = await platform.sign_in("mother@school501.example")
    async with platform.directory.runtime.db.transaction("test_seed_parent") as conn:
        await set_member_roles(
            MembershipStore(),
            conn,
            organisation_id=uuid.UUID(school.id),
            user_id=uuid.UUID(parent["user_id"]),
            roles=["parent"],
            action="test_seed",
            actor=None,
        )
    child, stranger_child = (
        await seed_student(platform, school, class_2a),
        await seed_student(platform, school, class_2a),
    )
    other_parent = await seed_member(platform, school.id, ["parent"])
    assert (await link(platform, school, school.admin, parent["user_id"], child)).status_code == 201
    assert (await link(platform, school, school.admin, other_parent, stranger_child)).status_code == 201

    mine = await platform.http.get(f"/api/v1/orgs/{school.id}/parents", headers=bearer(parent))
    assert [x["child_id"] for x in mine.json()["links"]] == [child]
    nosy = await platform.http.get(
        f"/api/v1/orgs/{school.id}/parents?parent_id={other_parent}", headers=bearer(parent)
    )
    assert (nosy.status_code, nosy.json()["error"]["rule"]) == (403, "R-PRIV-1")
    everyone = await platform.http.get(f"/api/v1/orgs/{school.id}/parents", headers=bearer(school.admin))
    assert len(everyone.json()["links"]) >= 2
