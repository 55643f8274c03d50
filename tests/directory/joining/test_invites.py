"""Invite links (R-INV-1, R-INV-2, R-INV-5) through real HTTP, gateway, directory, identity and NATS:
who makes which link, what a preview shows, how accepting makes a member, and how used-up,
expired, revoked and guessed tokens are refused without writing anything."""

from __future__ import annotations

import asyncio
import csv
import io
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest_asyncio
from sqlalchemy import select, update

from services.common.link_tokens import FAILURE_WINDOW, MAX_ADDRESS_FAILURES
from services.directory.joining.invites import hash_token, new_token
from services.directory.joining.store import JoiningStore
from services.directory.joining.tables import invite_failures, invites
from services.directory.membership.store import MembershipStore
from tests.directory.joining_helpers import accept, create_class, join, roles_of, seed_member, staff_room
from tests.support.http import bearer
from tests.support.platform import Platform
from tests.support.schools import School, add_operator, approved_school, make_invite
from tests.support.waiting import until

OPERATOR_PHONE = "+79990000301"


@pytest_asyncio.fixture(scope="module")
async def school(platform: Platform) -> School:
    await add_operator(platform, OPERATOR_PHONE)
    operator = await platform.sign_in(OPERATOR_PHONE)
    return await approved_school(platform, operator, 301, "+79120030101")


@pytest_asyncio.fixture(scope="module")
async def class_5a(platform: Platform, school: School) -> str:
    return await create_class(platform, school, "5А")


@pytest_asyncio.fixture(scope="module")
async def class_5b(platform: Platform, school: School) -> str:
    return await create_class(platform, school, "5Б")


async def my_organisations(platform: Platform, tokens: dict[str, Any]) -> list[dict[str, Any]]:
    return list((await platform.http.get("/api/v1/orgs", headers=bearer(tokens))).json()["organisations"])


async def invite_row(platform: Platform, invite_id: str) -> Any:
    async with platform.directory.runtime.db.transaction("test_read_invite") as conn:
        return await JoiningStore().get_invite(conn, uuid.UUID(invite_id))


async def test_story_staff_link_class_teacher_then_student_and_parent_links(
    platform: Platform, school: School, class_5a: str
) -> None:
    """R-INV-1, R-ROLE-2, R-ROLE-4, R-ROLE-6: the administrator invites a teacher through the staff
    room, makes them class teacher of 5А, who invites a student and that student's parent."""
    admin = school.admin
    staff_link = await make_invite(
        platform, school.id, admin, class_id=await staff_room(platform, school), role="teacher"
    )
    assert staff_link["link"] == f"/invite/{staff_link['token']}"
    assert (staff_link["invite"]["role"], staff_link["invite"]["max_uses"]) == ("teacher", 1)
    expires = datetime.fromisoformat(staff_link["invite"]["expires_at"])
    assert abs(expires - (datetime.now(UTC) + timedelta(days=7))) < timedelta(minutes=1)

    preview = await platform.http.get(f"/api/v1/invites/{staff_link['token']}")
    assert preview.status_code == 200, preview.text
    assert preview.json() | {"expires_at": None} == {
        "organisation_name": "МБОУ «Школа № 301»",
        "organisation_kind": "school",
        "class_name": "Учительская",
        "role": "teacher",
        "expires_at": None,
    }

    teacher = await platform.sign_in("teacher@school301.example")
    joined = await accept(platform, teacher, staff_link["token"])
    assert (joined.status_code, joined.json()["id"], joined.json()["my_roles"]) == (
        200,
        school.id,
        ["teacher"],
    )
    assert await roles_of(platform, school, teacher["user_id"]) == ["teacher"]

    async def verification_pending() -> bool:
        me = (await platform.http.get("/api/v1/me", headers=bearer(teacher))).json()
        return any(
            (v["organisation_id"], v["role"], v["status"]) == (school.id, "teacher", "pending")
            for v in me["verifications"]
        )

    await until(verification_pending)

    assigned = await platform.http.put(
        f"/api/v1/orgs/{school.id}/classes/{class_5a}/class-teacher",
        headers=bearer(admin),
        json={"user_id": teacher["user_id"]},
    )
    assert (assigned.status_code, assigned.json()["name"]) == (200, "5А")
    assert await roles_of(platform, school, teacher["user_id"]) == ["class_teacher", "teacher"]

    student_link = await make_invite(platform, school.id, teacher, class_id=class_5a, role="student")
    assert student_link["invite"]["max_uses"] == 40
    student = await join(platform, "student@school301.example", student_link["token"])
    assert await roles_of(platform, school, student["user_id"]) == ["student"]

    parent_link = await make_invite(
        platform, school.id, teacher, class_id=class_5a, role="parent", student_id=student["user_id"]
    )
    parent_uses = (parent_link["invite"]["max_uses"], parent_link["invite"]["student_id"])
    assert parent_uses == (80, student["user_id"])
    parent = await join(platform, "parent@school301.example", parent_link["token"])
    assert [o["my_roles"] for o in await my_organisations(platform, parent)] == [["parent"]]
    # The class teacher sees their class's links again, for the QR code and the handout (R-INV-2).
    mine = await platform.http.get(f"/api/v1/orgs/{school.id}/invites", headers=bearer(teacher))
    shown = {i["id"]: i["link"] for i in mine.json()["invites"]}
    assert shown[parent_link["invite"]["id"]] == parent_link["link"]
    assert shown[student_link["invite"]["id"]] == student_link["link"]

    links = await platform.http.get(
        f"/api/v1/orgs/{school.id}/parents?child_id={student['user_id']}", headers=bearer(teacher)
    )
    assert [(x["parent_id"], x["child_id"]) for x in links.json()["links"]] == [
        (parent["user_id"], student["user_id"])
    ]
    own = await platform.http.get(f"/api/v1/orgs/{school.id}/parents", headers=bearer(parent))
    assert [x["child_id"] for x in own.json()["links"]] == [student["user_id"]]


async def test_class_teacher_makes_student_links_only_for_own_class(
    platform: Platform, school: School, class_5a: str, class_5b: str
) -> None:
    """R-INV-1: staff links are the administrator's; a class teacher invites into their own class."""
    teacher = await platform.sign_in("ct@school301.example")
    staff = await make_invite(
        platform, school.id, school.admin, class_id=await staff_room(platform, school), role="teacher"
    )
    assert (await accept(platform, teacher, staff["token"])).status_code == 200
    class_6a = await create_class(platform, school, "6А")
    assigned = await platform.http.put(
        f"/api/v1/orgs/{school.id}/classes/{class_6a}/class-teacher",
        headers=bearer(school.admin),
        json={"user_id": teacher["user_id"]},
    )
    assert assigned.status_code == 200

    own = await platform.http.post(
        f"/api/v1/orgs/{school.id}/invites",
        headers=bearer(teacher),
        json={"class_id": class_6a, "role": "student"},
    )
    assert own.status_code == 201
    for body in (
        {"class_id": class_5b, "role": "student"},
        {"class_id": class_5b, "role": "parent"},
        {"class_id": await staff_room(platform, school), "role": "teacher"},
    ):
        refused = await platform.http.post(
            f"/api/v1/orgs/{school.id}/invites", headers=bearer(teacher), json=body
        )
        assert refused.status_code == 403, body
        assert refused.json()["error"]["rule"] == "R-INV-1"
    listed = await platform.http.get(f"/api/v1/orgs/{school.id}/invites", headers=bearer(teacher))
    assert {i["class_id"] for i in listed.json()["invites"]} == {class_6a}
    other = await platform.http.get(
        f"/api/v1/orgs/{school.id}/invites?class_id={class_5b}", headers=bearer(teacher)
    )
    assert other.status_code == 403


async def test_links_are_bound_to_class_and_role(platform: Platform, school: School, class_5a: str) -> None:
    """R-INV-1: staff through the staff room, students and parents through their class."""
    room = await staff_room(platform, school)
    for body in (
        {"class_id": class_5a, "role": "teacher"},
        {"class_id": room, "role": "student"},
        {"class_id": room, "role": "administrator"},
    ):
        response = await platform.http.post(
            f"/api/v1/orgs/{school.id}/invites", headers=bearer(school.admin), json=body
        )
        assert (response.status_code, response.json()["error"]["rule"]) == (409, "R-INV-1"), body
    stranger = await seed_member(platform, school.id, ["teacher"])
    not_a_pupil = await platform.http.post(
        f"/api/v1/orgs/{school.id}/invites",
        headers=bearer(school.admin),
        json={"class_id": class_5a, "role": "parent", "student_id": stranger},
    )
    assert (not_a_pupil.status_code, not_a_pupil.json()["error"]["rule"]) == (409, "R-ROLE-6")
    too_long = await platform.http.post(
        f"/api/v1/orgs/{school.id}/invites",
        headers=bearer(school.admin),
        json={"class_id": class_5a, "role": "student", "expires_in_days": 91},
    )
    assert too_long.status_code == 400


async def test_parent_link_is_multi_use_by_default_and_fits_the_class(
    platform: Platform, school: School
) -> None:
    """R-INV-2: a class's parents' link serves the whole class: twice (students, at least 30, plus
    10); the students' link the class plus 10; a staff link stays single-use; an explicit limit wins."""
    class_7a = await create_class(platform, school, "7А")
    async with platform.directory.runtime.db.transaction("test_fill_class") as conn:
        store = MembershipStore()
        for _ in range(33):
            student = uuid.UUID(await seed_member(platform, school.id, ["student"]))
            await store.set_student_class(conn, uuid.UUID(school.id), student, uuid.UUID(class_7a))
    admin = school.admin
    parents = await make_invite(platform, school.id, admin, class_id=class_7a, role="parent")
    students = await make_invite(platform, school.id, admin, class_id=class_7a, role="student")
    room = await staff_room(platform, school)
    staff = await make_invite(platform, school.id, admin, class_id=room, role="teacher")
    one = await make_invite(platform, school.id, admin, class_id=class_7a, role="parent", max_uses=1)
    assert [x["invite"]["max_uses"] for x in (parents, students, staff, one)] == [86, 43, 1, 1]
    for n in range(2):
        await join(platform, f"mum{n}@school301.example", parents["token"])
    assert (await invite_row(platform, parents["invite"]["id"])).uses == 2


async def test_a_class_link_can_be_shown_again_until_it_is_revoked(
    platform: Platform, school: School, class_5b: str
) -> None:
    """R-INV-2: a link made one at a time is in the list answer again for those who may make it
    (lookups still by hash); revoking clears it; other schools and members see nothing."""
    made = await make_invite(platform, school.id, school.admin, class_id=class_5b, role="parent")
    listed = await platform.http.get(
        f"/api/v1/orgs/{school.id}/invites?class_id={class_5b}", headers=bearer(school.admin)
    )
    again = next(i for i in listed.json()["invites"] if i["id"] == made["invite"]["id"])
    assert again["link"] == made["link"] == f"/invite/{made['token']}"
    row = await invite_row(platform, made["invite"]["id"])
    assert row.token_hash == hash_token(made["token"])

    parent = await join(platform, "shown-again@school301.example", made["token"])
    member = await platform.http.get(f"/api/v1/orgs/{school.id}/invites", headers=bearer(parent))
    assert member.status_code == 403

    revoked = await platform.http.post(
        f"/api/v1/orgs/{school.id}/invites/{made['invite']['id']}:revoke", headers=bearer(school.admin)
    )
    assert (revoked.status_code, revoked.json()["link"]) == (200, None)
    assert (await invite_row(platform, made["invite"]["id"])).token is None
    every = await platform.http.get(
        f"/api/v1/orgs/{school.id}/invites?include_inactive=true", headers=bearer(school.admin)
    )
    assert next(i for i in every.json()["invites"] if i["id"] == made["invite"]["id"])["link"] is None


async def test_refused_tokens_name_the_rule_and_write_nothing(
    platform: Platform, school: School, class_5a: str
) -> None:
    """R-INV-2: expired, used-up, revoked and forged tokens are refused; nobody becomes a member."""
    admin = school.admin
    expired = await make_invite(platform, school.id, admin, class_id=class_5a, role="student")
    async with platform.directory.runtime.db.transaction("test_expire_invite") as conn:
        await conn.execute(
            update(invites)
            .where(invites.c.id == uuid.UUID(expired["invite"]["id"]))
            .values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
        )
    exhausted = await make_invite(platform, school.id, admin, class_id=class_5a, role="student", max_uses=1)
    await join(platform, "first@school301.example", exhausted["token"])
    revoked = await make_invite(platform, school.id, admin, class_id=class_5a, role="student")
    revoking = await platform.http.post(
        f"/api/v1/orgs/{school.id}/invites/{revoked['invite']['id']}:revoke", headers=bearer(admin)
    )
    assert (revoking.status_code, revoking.json()["revoked"]) == (200, True)

    latecomer = await platform.sign_in("latecomer@school301.example")
    for link, words in ((expired, "срок"), (exhausted, "использовано"), (revoked, "отозвано")):
        for response in (
            await platform.http.get(f"/api/v1/invites/{link['token']}"),
            await accept(platform, latecomer, link["token"]),
        ):
            assert response.status_code == 409, response.text
            assert response.json()["error"]["rule"] == "R-INV-2"
            assert words in response.json()["error"]["message"].lower()
    forged = await accept(platform, latecomer, new_token())
    assert (forged.status_code, forged.json()["error"]["message"]) == (404, "Приглашение не найдено")
    assert await my_organisations(platform, latecomer) == []
    assert await roles_of(platform, school, latecomer["user_id"]) == []
    assert (await invite_row(platform, exhausted["invite"]["id"])).uses == 1
    assert (await invite_row(platform, expired["invite"]["id"])).uses == 0


async def test_accepting_twice_counts_once(platform: Platform, school: School, class_5a: str) -> None:
    """R-INV-2: the use limit counts people, not clicks."""
    link = await make_invite(platform, school.id, school.admin, class_id=class_5a, role="student", max_uses=2)
    student = await join(platform, "twice@school301.example", link["token"])
    again = await accept(platform, student, link["token"])
    assert (again.status_code, again.json()["my_roles"]) == (200, ["student"])
    assert (await invite_row(platform, link["invite"]["id"])).uses == 1


async def test_concurrent_acceptances_never_exceed_the_use_limit(
    platform: Platform, school: School, class_5a: str
) -> None:
    """R-INV-2: a link for three is used by three, however many click at once."""
    link = await make_invite(platform, school.id, school.admin, class_id=class_5a, role="student", max_uses=3)
    people = [await platform.sign_in(f"rush{n}@school301.example") for n in range(7)]
    responses = await asyncio.gather(*(accept(platform, p, link["token"]) for p in people))
    assert sorted(r.status_code for r in responses) == [200, 200, 200, 409, 409, 409, 409]
    assert (await invite_row(platform, link["invite"]["id"])).uses == 3
    members = [p for p in people if await roles_of(platform, school, p["user_id"])]
    assert len(members) == 3


async def test_second_class_for_a_student_refused_naming_rule(
    platform: Platform, school: School, class_5a: str, class_5b: str
) -> None:
    """R-ROLE-5: a student belongs to exactly one class; the link's use is not spent."""
    first = await make_invite(platform, school.id, school.admin, class_id=class_5a, role="student")
    student = await join(platform, "onlyone@school301.example", first["token"])
    second = await make_invite(platform, school.id, school.admin, class_id=class_5b, role="student")
    refused = await accept(platform, student, second["token"])
    assert (refused.status_code, refused.json()["error"]["rule"]) == (409, "R-ROLE-5")
    assert (await invite_row(platform, second["invite"]["id"])).uses == 0
    async with platform.directory.runtime.db.transaction("test_student_class") as conn:
        placed = await MembershipStore().student_class(
            conn, uuid.UUID(school.id), uuid.UUID(student["user_id"])
        )
    assert str(placed) == class_5a


async def test_revoke_all_revokes_every_unused_link(
    platform: Platform, school: School, class_5a: str
) -> None:
    """R-INV-2: the administrator revokes all unused links at once (information security)."""
    room = await staff_room(platform, school)
    made = [
        await make_invite(platform, school.id, school.admin, class_id=class_5a, role="student"),
        await make_invite(platform, school.id, school.admin, class_id=room, role="teacher"),
    ]
    response = await platform.http.post(
        f"/api/v1/orgs/{school.id}/invites:revoke-all", headers=bearer(school.admin)
    )
    assert response.status_code == 200
    assert response.json()["revoked"] >= 2
    active = await platform.http.get(f"/api/v1/orgs/{school.id}/invites", headers=bearer(school.admin))
    assert active.json()["invites"] == []
    every = await platform.http.get(
        f"/api/v1/orgs/{school.id}/invites?include_inactive=true", headers=bearer(school.admin)
    )
    revoked = {i["id"]: i["revoked"] for i in every.json()["invites"]}
    assert all(revoked[m["invite"]["id"]] for m in made)
    late = await platform.sign_in("toolate@school301.example")
    refused = await accept(platform, late, made[1]["token"])
    assert (refused.status_code, refused.json()["error"]["rule"]) == (409, "R-INV-2")


async def test_batch_export_is_a_printable_csv(platform: Platform, school: School, class_5a: str) -> None:
    """One single-use link per name, exported once for printing (the tokens exist only now)."""
    names = ["Иванов Иван", "Петрова Анна", "=HYPERLINK(1)"]
    response = await platform.http.post(
        f"/api/v1/orgs/{school.id}/classes/{class_5a}/invites:batch",
        headers=bearer(school.admin),
        json={"role": "student", "labels": names, "expires_in_days": 14},
    )
    assert response.status_code == 201, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == (
        'attachment; filename="invites-5A-students.csv"; '
        "filename*=UTF-8''" + quote("Приглашения-5А-ученики.csv", safe="")
    )
    text = response.content.decode("utf-8-sig")
    assert text.splitlines()[0] == "ФИО/метка;роль;класс;ссылка;действует до"  # as Russian Excel splits
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0] == ["ФИО/метка", "роль", "класс", "ссылка", "действует до"]
    assert [(r[0], r[1], r[2]) for r in rows[1:]] == [
        ("Иванов Иван", "ученик", "5А"),
        ("Петрова Анна", "ученик", "5А"),
        ("'=HYPERLINK(1)", "ученик", "5А"),  # shown as text, never run as a formula
    ]
    zone = ZoneInfo(
        (await platform.http.get(f"/api/v1/orgs/{school.id}", headers=bearer(school.admin))).json()[
            "time_zone"
        ]
    )
    expected_day = (datetime.now(UTC) + timedelta(days=14)).astimezone(zone).strftime("%d.%m.%Y")
    for row in rows[1:]:
        assert row[3].startswith(str(platform.http.base_url).rstrip("/") + "/invite/")
        assert row[4].startswith(expected_day)
    token = rows[1][3].rsplit("/invite/", 1)[1]
    preview = await platform.http.get(f"/api/v1/invites/{token}")
    assert (preview.status_code, preview.json()["class_name"]) == (200, "5А")
    listed = await platform.http.get(f"/api/v1/orgs/{school.id}/invites", headers=bearer(school.admin))
    labelled = {
        i["label"]: (i["max_uses"], i["link"]) for i in listed.json()["invites"] if i["label"] in names
    }
    assert labelled == dict.fromkeys(names, (1, None))  # a batch link is shown once, in the file


async def test_printed_links_use_the_public_address_when_one_is_set(
    platform: Platform, school: School, class_5a: str
) -> None:
    """Behind an Ingress the pods' own address means nothing to a parent: PARTA_PUBLIC_URL wins."""
    settings = platform.gateway.app.state.settings
    settings.public_url = "https://parta.region.example/"
    try:
        response = await platform.http.post(
            f"/api/v1/orgs/{school.id}/classes/{class_5a}/invites:batch",
            headers=bearer(school.admin),
            json={"role": "student", "labels": ["Сидоров Пётр"]},
        )
    finally:
        settings.public_url = ""
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[1][3].startswith("https://parta.region.example/invite/")


async def guess(platform: Platform, prefix: str) -> Any:
    """A wrong token starting with `prefix` — one client retyping one broken link."""
    return await platform.http.get(f"/api/v1/invites/{prefix}{secrets.token_urlsafe(24)[4:]}")


async def forget_failures(platform: Platform) -> None:
    async with platform.directory.runtime.db.transaction("test_forget_failures") as conn:
        await conn.execute(invite_failures.delete())


async def test_a_school_behind_one_nat_a_wrong_guess_does_not_lock_out_a_parent(
    platform: Platform, school: School, class_5a: str
) -> None:
    """R-INV-2: 25 wrong guesses from one client (one prefix); the guesser is refused with 429 and
    retry_after past 20, while a parent behind the same address joins by a valid link, and another
    client's mistyped link is still only «not found»."""
    await forget_failures(platform)
    try:
        statuses = [(await guess(platform, "Gu3s")).status_code for _ in range(25)]
        assert statuses == [404] * 21 + [429] * 4  # the 21st failure is counted, then the client waits
        limited = await guess(platform, "Gu3s")
        assert (limited.status_code, limited.json()["error"]["rule"]) == (429, "R-INV-2")
        assert 0 < int(limited.headers["retry-after"]) <= 601
        assert "R-INV" not in limited.json()["error"]["message"]

        link = await make_invite(platform, school.id, school.admin, class_id=class_5a, role="parent")
        assert (await platform.http.get(f"/api/v1/invites/{link['token']}")).status_code == 200
        parent = await join(platform, "nat-parent@school301.example", link["token"])
        assert await roles_of(platform, school, parent["user_id"]) == ["parent"]
        assert (await guess(platform, "0th3")).status_code == 404
    finally:
        await forget_failures(platform)


async def test_the_per_address_ceiling_holds_whatever_the_prefix(
    platform: Platform, school: School, class_5a: str
) -> None:
    """R-INV-2: past 300 wrong tokens from one address in 10 minutes, any new prefix waits too —
    and still a valid link is honoured."""
    await forget_failures(platform)
    try:
        assert (await guess(platform, "Frst")).status_code == 404
        store = JoiningStore()
        async with platform.directory.runtime.db.transaction("test_many_failures") as conn:
            address = (await conn.execute(select(invite_failures.c.client_address))).scalar_one()
            forget_before = datetime.now(UTC) - FAILURE_WINDOW
            for n in range(MAX_ADDRESS_FAILURES):
                await store.failures.record(conn, address, f"{n:04}", forget_before)
        refused = await guess(platform, "Nw1p")
        assert (refused.status_code, refused.json()["error"]["rule"]) == (429, "R-INV-2")
        assert int(refused.headers["retry-after"]) > 0
        link = await make_invite(platform, school.id, school.admin, class_id=class_5a, role="student")
        assert (await platform.http.get(f"/api/v1/invites/{link['token']}")).status_code == 200
    finally:
        await forget_failures(platform)


async def test_guessed_tokens_find_nothing(platform: Platform) -> None:
    """R-INV-2: tokens are unguessable (192 random bits, looked up by hash)."""
    response = await platform.http.get(f"/api/v1/invites/{secrets.token_urlsafe(24)}")
    assert response.status_code == 404
    await forget_failures(platform)

    # The search space itself: 10,000 random tokens, none of which is a link.
    store = JoiningStore()
    async with platform.directory.runtime.db.transaction("test_guess_many") as conn:
        found = [await store.invite_by_hash(conn, hash_token(new_token())) for _ in range(10_000)]
    assert not any(found)
