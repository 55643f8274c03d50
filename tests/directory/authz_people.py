"""Authorisation rows of the directory's people endpoints (see tests/directory/authz.py): join
requests (R-INV-3), movement (R-MOVE-1), support requests (R-PRIV-4), the year rollover.

The endpoints outside /api/v1/orgs (POST /api/v1/join-requests, /api/v1/support-requests) are not
in the table's scope; test_join_requests.py and test_support.py cover who may call them."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

from services.directory.joining.store import JoiningStore
from services.directory.membership.roles import set_member_roles
from services.directory.membership.store import MembershipStore
from services.directory.organisations.store import OrganisationsStore
from tests.directory.authz import ADMIN_ONLY, MEMBERS_READ, Call, Rows, created, get_call, send_call
from tests.support.roles import ROLES, World

_years = itertools.count(1900)

#                       operator admin head teacher class_t student parent outsider other
JOIN_REQUESTS_READ = dict(zip(ROLES, (403, 200, 403, 403, 200, 403, 403, 404, 404), strict=True))
HISTORY_READ = dict(zip(ROLES, (403, 200, 200, 403, 403, 403, 403, 404, 404), strict=True))
MEMBERS_WRITE_201 = {**created(MEMBERS_READ), "operator": 403}


async def _new_member(world: World, roles: list[str], class_id: uuid.UUID | None = None) -> uuid.UUID:
    """Someone who joined the world's school (straight in the database: the test is about the call)."""
    user_id = uuid.uuid4()
    org_id = uuid.UUID(world.school)
    async with world.platform.directory.runtime.db.transaction("test_seed_member") as conn:
        store = MembershipStore()
        await set_member_roles(
            store, conn, organisation_id=org_id, user_id=user_id, roles=roles, action="test_seed", actor=None
        )
        if class_id is not None:
            await store.set_student_class(conn, org_id, user_id, class_id)
    return user_id


async def _new_class(world: World) -> uuid.UUID:
    year = next(_years)
    async with world.platform.directory.runtime.db.transaction("test_seed_class") as conn:
        row = await OrganisationsStore().create_class(
            conn,
            organisation_id=uuid.UUID(world.school),
            kind="class",
            name="5А",
            academic_year=f"{year}/{year + 1}",
            grade=5,
        )
    assert row is not None
    return uuid.UUID(str(row.id))


async def _pending_join_request(world: World) -> str:
    """A teacher's request through the staff room, waiting for a decision."""
    org_id = uuid.UUID(world.school)
    async with world.platform.directory.runtime.db.transaction("test_seed_join_request") as conn:
        staff_room = await OrganisationsStore().staff_room(conn, org_id)
        assert staff_room is not None
        row = await JoiningStore().insert_join_request(
            conn,
            organisation_id=org_id,
            user_id=uuid.uuid4(),
            role="teacher",
            class_id=staff_room.id,
            message="",
        )
    assert row is not None
    return str(row.id)


def join_request_call(suffix: str, body: dict[str, Any] | None = None) -> Call:
    async def call(world: World, headers: dict[str, str]) -> int:
        request_id = await _pending_join_request(world)
        response = await world.platform.http.post(
            f"/api/v1/orgs/{world.school}/join-requests/{request_id}{suffix}", headers=headers, json=body
        )
        return response.status_code

    return call


async def transfer_call(world: World, headers: dict[str, str]) -> int:
    student = await _new_member(world, ["student"], await _new_class(world))
    body = {"user_id": str(student), "to_class_id": str(await _new_class(world)), "reason": "Перевод"}
    response = await world.platform.http.post(
        f"/api/v1/orgs/{world.school}/movements:transfer", headers=headers, json=body
    )
    return response.status_code


async def leave_call(world: World, headers: dict[str, str]) -> int:
    teacher = await _new_member(world, ["teacher"])
    response = await world.platform.http.post(
        f"/api/v1/orgs/{world.school}/movements:leave", headers=headers, json={"user_id": str(teacher)}
    )
    return response.status_code


def support_body() -> dict[str, Any]:
    return {"addressee": "administrator", "subject": "Вопрос", "text": "Помогите, пожалуйста"}


TABLE: Rows = {
    ("GET", "/api/v1/orgs/{org_id}/join-requests"): (
        get_call("/api/v1/orgs/{org}/join-requests"),
        JOIN_REQUESTS_READ,
    ),
    ("POST", "/api/v1/orgs/{org_id}/join-requests/{request_id}:approve"): (
        join_request_call(":approve"),
        ADMIN_ONLY,
    ),
    ("POST", "/api/v1/orgs/{org_id}/join-requests/{request_id}:reject"): (
        join_request_call(":reject", {"reason": "Нет в списках"}),
        ADMIN_ONLY,
    ),
    ("POST", "/api/v1/orgs/{org_id}/movements:transfer"): (transfer_call, ADMIN_ONLY),
    ("POST", "/api/v1/orgs/{org_id}/movements:leave"): (leave_call, ADMIN_ONLY),
    ("GET", "/api/v1/orgs/{org_id}/movements"): (get_call("/api/v1/orgs/{org}/movements"), HISTORY_READ),
    ("POST", "/api/v1/orgs/{org_id}/support-requests"): (
        send_call("POST", "/api/v1/orgs/{org}/support-requests", support_body),
        MEMBERS_WRITE_201,
    ),
    ("GET", "/api/v1/orgs/{org_id}/support-requests"): (
        get_call("/api/v1/orgs/{org}/support-requests"),
        MEMBERS_READ,
    ),
    ("POST", "/api/v1/orgs/{org_id}/academic-years/{from_year}:roll-over"): (
        send_call("POST", "/api/v1/orgs/{org}/academic-years/2090-2091:roll-over", dict),
        ADMIN_ONLY,
    ),
}
