"""Others see who a parent is to a child (R-ROLE-6): identity learns parent links and claims from
directory's events and names a parent to fellow members as «Ольга Смирнова, мама Миши Смирнова»
(R-PRIV-1: only inside the organisation). Through real HTTP, gateway, directory, identity and NATS."""

from __future__ import annotations

import uuid
from typing import Any

import pytest_asyncio
from sqlalchemy import func, select

from services.directory.membership.tables import parent_claims, parent_links
from tests.support.http import bearer
from tests.support.platform import Platform
from tests.support.schools import ClassSchool, class_school, make_invite, operator_tokens
from tests.support.waiting import until


@pytest_asyncio.fixture(scope="module")
async def school(platform: Platform) -> ClassSchool:
    operator = await operator_tokens(platform, "+79990000241")
    return await class_school(platform, operator, 241, "+79120002411", ["5А"])


async def named(platform: Platform, destination: str, first: str, last: str) -> dict[str, Any]:
    tokens = await platform.sign_in(destination)
    saved = await platform.http.patch(
        "/api/v1/me", headers=bearer(tokens), json={"first_name": first, "last_name": last}
    )
    assert saved.status_code == 200, saved.text
    return tokens


async def shown_as(platform: Platform, school: ClassSchool, viewer: dict[str, str], user_id: str) -> str:
    response = await platform.http.get(f"/api/v1/orgs/{school.id}/people?user_id={user_id}", headers=viewer)
    people = response.json()["people"]
    return str(people[0]["label"]) if people else ""


async def test_R_ROLE_6_a_mother_who_picked_her_child_is_shown_with_the_childs_name_in_the_genitive(
    platform: Platform, school: ClassSchool
) -> None:
    child = await named(platform, "misha.smirnov@labels.example", "Миша", "Смирнов")
    student_link = await make_invite(
        platform, school.id, school.school.admin, class_id=school.classes["5А"], role="student"
    )
    joined = await platform.http.post(
        f"/api/v1/invites/{student_link['token']}:accept", headers=bearer(child)
    )
    assert joined.status_code == 200, joined.text

    mother = await named(platform, "olga.smirnova@labels.example", "Ольга", "Смирнова")
    parent_link = await make_invite(
        platform, school.id, school.school.admin, class_id=school.classes["5А"], role="parent"
    )
    accepted = await platform.http.post(
        f"/api/v1/invites/{parent_link['token']}:accept",
        headers=bearer(mother),
        json={"parent": {"child_id": child["user_id"], "relation": "mother"}},
    )
    assert accepted.status_code == 200, accepted.text

    async def labelled() -> bool:
        label = await shown_as(platform, school, school.admin, mother["user_id"])
        return label == "Ольга Смирнова, мама Миши Смирнова"

    await until(labelled)
    # The child's own name stays plain; the parent's plain name is still there too.
    assert await shown_as(platform, school, school.admin, child["user_id"]) == "Миша Смирнов"
    people = (
        await platform.http.get(
            f"/api/v1/orgs/{school.id}/people?user_id={mother['user_id']}", headers=bearer(child)
        )
    ).json()["people"]
    assert [(p["name"], p["label"]) for p in people] == [
        ("Ольга Смирнова", "Ольга Смирнова, мама Миши Смирнова")
    ]


async def test_R_ROLE_6_a_father_who_typed_the_childs_name_is_shown_with_it(
    platform: Platform, school: ClassSchool
) -> None:
    father = await named(platform, "ivan.petrov@labels.example", "Иван", "Петров")
    parent_link = await make_invite(
        platform, school.id, school.school.admin, class_id=school.classes["5А"], role="parent", max_uses=5
    )
    claim = {"child_first_name": "Аня", "child_last_name": "Петрова", "relation": "father"}
    accepted = await platform.http.post(
        f"/api/v1/invites/{parent_link['token']}:accept", headers=bearer(father), json={"parent": claim}
    )
    assert accepted.status_code == 200, accepted.text

    async def labelled() -> bool:
        label = await shown_as(platform, school, school.admin, father["user_id"])
        return label == "Иван Петров, папа Ани Петровой"

    await until(labelled)


async def test_R_ROLE_6_unsure_declension_falls_back_to_the_plain_name(
    platform: Platform, school: ClassSchool
) -> None:
    guardian = await named(platform, "guardian.kim@labels.example", "Ольга", "Ким")
    parent_link = await make_invite(
        platform, school.id, school.school.admin, class_id=school.classes["5А"], role="parent"
    )
    claim = {"child_first_name": "Женя", "child_last_name": "Ким", "relation": "guardian"}
    accepted = await platform.http.post(
        f"/api/v1/invites/{parent_link['token']}:accept", headers=bearer(guardian), json={"parent": claim}
    )
    assert accepted.status_code == 200, accepted.text

    async def labelled() -> bool:
        label = await shown_as(platform, school, school.admin, guardian["user_id"])
        return label == "Ольга Ким (родитель: Женя Ким)"

    await until(labelled)


async def test_someone_who_never_gave_a_name_has_an_empty_name_not_a_placeholder(
    platform: Platform, school: ClassSchool
) -> None:
    nameless = await school.member("student", "5А", who="nameless")

    async def listed() -> bool:
        response = await platform.http.get(
            f"/api/v1/orgs/{school.id}/people?user_id={nameless['user_id']}", headers=school.admin
        )
        return bool(response.json()["people"])

    await until(listed)
    response = await platform.http.get(
        f"/api/v1/orgs/{school.id}/people?user_id={nameless['user_id']}", headers=school.admin
    )
    assert [(p["name"], p["label"]) for p in response.json()["people"]] == [("", "")]


async def test_R_ROLE_6_when_the_class_teacher_links_a_typed_child_the_link_keeps_the_relation(
    platform: Platform, school: ClassSchool
) -> None:
    father = await named(platform, "ivan.ivanov@labels.example", "Иван", "Иванов")
    parent_link = await make_invite(
        platform, school.id, school.school.admin, class_id=school.classes["5А"], role="parent"
    )
    claim = {"child_first_name": "Петя", "child_last_name": "Иванов", "relation": "father"}
    accepted = await platform.http.post(
        f"/api/v1/invites/{parent_link['token']}:accept", headers=bearer(father), json={"parent": claim}
    )
    assert accepted.status_code == 200, accepted.text
    # The boy joins later under his full name; the administrator links him to his father.
    son = await named(platform, "petr.ivanov@labels.example", "Пётр", "Иванов")
    student_link = await make_invite(
        platform, school.id, school.school.admin, class_id=school.classes["5А"], role="student"
    )
    joined = await platform.http.post(f"/api/v1/invites/{student_link['token']}:accept", headers=bearer(son))
    assert joined.status_code == 200, joined.text
    linked = await platform.http.post(
        f"/api/v1/orgs/{school.id}/parents",
        headers=school.admin,
        json={"parent_id": father["user_id"], "child_id": son["user_id"]},
    )
    assert linked.status_code == 201, linked.text
    async with platform.directory.runtime.db.transaction("test_read_link") as conn:
        relation = await conn.scalar(
            select(parent_links.c.relation).where(
                parent_links.c.parent_id == uuid.UUID(father["user_id"]),
                parent_links.c.child_id == uuid.UUID(son["user_id"]),
            )
        )
        claims = await conn.scalar(
            select(func.count()).where(parent_claims.c.parent_id == uuid.UUID(father["user_id"]))
        )
    assert (relation, claims) == ("father", 0)

    async def labelled() -> bool:
        label = await shown_as(platform, school, school.admin, father["user_id"])
        return label == "Иван Иванов, папа Петра Иванова"  # the typed «Петя» is resolved, not repeated

    await until(labelled)
