"""Authorisation rows of the directory endpoints outside /api/v1/orgs: an invite's preview (public,
R-INV-2) and acceptance (any signed-in holder of the link, R-INV-5), join requests by code (R-INV-3),
and the operator's support queue (R-PRIV-4). Acceptance rows go last: they give people roles."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

from services.directory.membership.roles import set_member_roles
from services.directory.membership.store import MembershipStore
from tests.directory.authz import Call, Rows, get_call
from tests.support.http import bearer
from tests.support.roles import ROLES, World
from tests.support.waiting import until

_teachers = itertools.count()

_cache: dict[str, str] = {}


async def _admin_get(world: World, path: str) -> Any:
    response = await world.platform.http.get(path, headers=bearer(world.tokens["admin"]))
    assert response.status_code == 200, response.text
    return response.json()


async def _staff_room(world: World) -> str:
    if "staff_room" not in _cache:
        classes = (await _admin_get(world, f"/api/v1/orgs/{world.school}/classes"))["classes"]
        _cache["staff_room"] = next(c["id"] for c in classes if c["kind"] == "staff_room")
    return _cache["staff_room"]


async def _teacher_link(world: World) -> str:
    response = await world.platform.http.post(
        f"/api/v1/orgs/{world.school}/invites",
        headers=bearer(world.tokens["admin"]),
        json={"class_id": await _staff_room(world), "role": "teacher"},
    )
    assert response.status_code == 201, response.text
    return str(response.json()["token"])


def invite_call(suffix: str, method: str) -> Call:
    async def call(world: World, headers: dict[str, str]) -> int:
        token = await _teacher_link(world)
        response = await world.platform.http.request(
            method, f"/api/v1/invites/{token}{suffix}", headers=headers
        )
        return response.status_code

    return call


async def _a_class(world: World) -> str:
    if "class" not in _cache:
        classes = (await _admin_get(world, f"/api/v1/orgs/{world.school}/classes"))["classes"]
        found = [c["id"] for c in classes if c["kind"] != "staff_room"]
        if not found:
            created = await world.platform.http.post(
                f"/api/v1/orgs/{world.school}/classes",
                headers=bearer(world.tokens["admin"]),
                json={"name": "7В"},
            )
            assert created.status_code == 201, created.text
            found = [created.json()["id"]]
        _cache["class"] = found[0]
    return _cache["class"]


async def roster_call(world: World, headers: dict[str, str]) -> int:
    """A parents' link's class, by name: whoever holds the link (signed in) may pick their child."""
    made = await world.platform.http.post(
        f"/api/v1/orgs/{world.school}/invites",
        headers=bearer(world.tokens["admin"]),
        json={"class_id": await _a_class(world), "role": "parent"},
    )
    assert made.status_code == 201, made.text
    token = made.json()["token"]
    return (await world.platform.http.get(f"/api/v1/invites/{token}/students", headers=headers)).status_code


async def join_code_call(world: World, headers: dict[str, str]) -> int:
    """What a join code leads to: the organisation's name and classes, to anyone signed in (R-INV-3)."""
    if "join_code" not in _cache:
        _cache["join_code"] = (await _admin_get(world, f"/api/v1/orgs/{world.school}"))["join_code"]
    return (
        await world.platform.http.get(f"/api/v1/join-codes/{_cache['join_code']}", headers=headers)
    ).status_code


async def join_request_call(world: World, headers: dict[str, str]) -> int:
    if "join_code" not in _cache:
        _cache["join_code"] = (await _admin_get(world, f"/api/v1/orgs/{world.school}"))["join_code"]
    body = {"join_code": _cache["join_code"], "role": "teacher", "message": "Возьмите"}
    return (await world.platform.http.post("/api/v1/join-requests", headers=headers, json=body)).status_code


async def operator_queue_call(world: World, headers: dict[str, str]) -> int:
    return (await world.platform.http.get("/api/v1/support-requests", headers=headers)).status_code


async def answer_call(world: World, headers: dict[str, str]) -> int:
    created = await world.platform.http.post(
        f"/api/v1/orgs/{world.school}/support-requests",
        headers=bearer(world.tokens["admin"]),
        json={"addressee": "operator", "subject": "Не приходят коды", "text": "Родители жалуются"},
    )
    assert created.status_code == 201, created.text
    response = await world.platform.http.patch(
        f"/api/v1/support-requests/{created.json()['id']}",
        headers=headers,
        json={"status": "in_progress", "answer": "Проверяем СМС-шлюз"},
    )
    return response.status_code


async def _pending_verification(world: World) -> str:
    """A new teacher in the school: identity opens a pending verification from the event."""
    teacher = await world.platform.sign_in(f"teacher{next(_teachers)}@verify.example")
    async with world.platform.directory.runtime.db.transaction("test_seed_teacher") as conn:
        await set_member_roles(
            MembershipStore(),
            conn,
            organisation_id=uuid.UUID(world.school),
            user_id=uuid.UUID(teacher["user_id"]),
            roles=["teacher"],
            action="test_seed",
            actor=None,
        )

    async def found() -> list[str]:
        listed = await _admin_get(world, f"/api/v1/orgs/{world.school}/verifications?status=pending")
        return [v["id"] for v in listed["verifications"] if v["user_id"] == teacher["user_id"]]

    return str((await until(found, what="identity opening the verification"))[0])


def decide_call(suffix: str, body: dict[str, Any] | None = None) -> Call:
    async def call(world: World, headers: dict[str, str]) -> int:
        verification = await _pending_verification(world)
        response = await world.platform.http.post(
            f"/api/v1/verifications/{verification}{suffix}", headers=headers, json=body
        )
        return response.status_code

    return call


def row(*statuses: int, anonymous: int = 401) -> dict[str, int]:
    return {**dict(zip(ROLES, statuses, strict=True)), "anonymous": anonymous}


#                                 operator admin head teacher class_t student parent outsider other
# Identity keeps verifications and knows nothing of the operator: operator staff get 404 there.
VERIFIERS = row(404, 200, 403, 403, 403, 403, 403, 404, 404)

TABLE: Rows = {
    ("GET", "/api/v1/orgs/{org_id}/verifications"): (get_call("/api/v1/orgs/{org}/verifications"), VERIFIERS),
    ("POST", "/api/v1/verifications/{verification_id}:verify"): (decide_call(":verify"), VERIFIERS),
    ("POST", "/api/v1/verifications/{verification_id}:reject"): (
        decide_call(":reject", {"reason": "Не работает в школе"}),
        VERIFIERS,
    ),
    # Identity answers from its read model of memberships (the verification rows above waited for it).
    ("GET", "/api/v1/orgs/{org_id}/people"): (
        get_call("/api/v1/orgs/{org}/people?user_id=00000000-0000-0000-0000-000000000001"),
        row(404, 200, 200, 200, 200, 200, 200, 404, 404),
    ),
    ("GET", "/api/v1/invites/{token}/students"): (
        roster_call,
        row(200, 200, 200, 200, 200, 200, 200, 200, 200),
    ),
    ("GET", "/api/v1/join-codes/{code}"): (join_code_call, row(200, 200, 200, 200, 200, 200, 200, 200, 200)),
    ("POST", "/api/v1/join-requests"): (join_request_call, row(201, 201, 201, 409, 409, 201, 201, 201, 201)),
    ("GET", "/api/v1/support-requests"): (
        operator_queue_call,
        row(200, 403, 403, 403, 403, 403, 403, 403, 403),
    ),
    # The administrator is the author here: an author may read but not answer their own request.
    ("PATCH", "/api/v1/support-requests/{request_id}"): (
        answer_call,
        row(200, 403, 404, 404, 404, 404, 404, 404, 404),
    ),
    ("GET", "/api/v1/invites/{token}"): (invite_call("", "GET"), row(*[200] * 9, anonymous=200)),
    ("POST", "/api/v1/invites/{token}:accept"): (invite_call(":accept", "POST"), row(*[200] * 9)),
}
