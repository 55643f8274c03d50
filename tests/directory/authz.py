"""Shared pieces of the directory's authorisation tables: the roles, a world with one member of
each role in one school (plus operator staff, an outsider and another school's administrator),
call builders, and the usual rows of expected statuses. Each area keeps its rows in
`authz_<area>.py`; `test_authorisation_table.py` runs them all and checks every endpoint has a row."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest_asyncio

from services.directory.membership.roles import set_member_roles
from services.directory.membership.store import MembershipStore
from tests.conftest import Platform, bearer
from tests.directory.helpers import add_operator, application, approved_school

ROLES = (
    "operator",
    "admin",
    "head",
    "teacher",
    "class_teacher",
    "student",
    "parent",
    "outsider",
    "other_school",
)
MEMBER_ROLES = {
    "head": ["head"],
    "teacher": ["teacher"],
    "class_teacher": ["teacher", "class_teacher"],
    "student": ["student"],
    "parent": ["parent"],
}
_seeds = itertools.count(100)


@dataclass
class World:
    platform: Platform
    school: str
    tokens: dict[str, dict[str, Any]]
    operator: dict[str, Any]
    applicant: dict[str, Any]

    async def pending_application(self) -> str:
        seed = next(_seeds)
        response = await self.platform.http.post(
            "/api/v1/applications", headers=bearer(self.applicant), json=application(seed, f"+7912{seed:07d}")
        )
        assert response.status_code == 201, response.text
        return str(response.json()["id"])


@pytest_asyncio.fixture(scope="module")
async def world(platform: Platform) -> World:
    await add_operator(platform, "+79990000002")
    operator = await platform.sign_in("+79990000002")
    school = await approved_school(platform, operator, 90, "+79120009090")
    other = await approved_school(platform, operator, 91, "+79120009191")
    tokens = {"operator": operator, "admin": school.admin, "other_school": other.admin}
    tokens["outsider"] = await platform.sign_in("outsider@table.example")
    for role, roles in MEMBER_ROLES.items():
        tokens[role] = await platform.sign_in(f"{role}@table.example")
        async with platform.directory.runtime.db.transaction("test_seed_member") as conn:
            await set_member_roles(
                MembershipStore(),
                conn,
                organisation_id=uuid.UUID(school.id),
                user_id=uuid.UUID(tokens[role]["user_id"]),
                roles=roles,
                action="test_seed",
                actor=None,
            )
    applicant = await platform.sign_in("applicant@table.example")
    return World(platform, school.id, tokens, operator, applicant)


Call = Callable[[World, dict[str, str]], Awaitable[int]]
Rows = dict[tuple[str, str], tuple[Call, dict[str, int]]]


def get_call(path: str) -> Call:
    async def call(world: World, headers: dict[str, str]) -> int:
        return (await world.platform.http.get(path.format(org=world.school), headers=headers)).status_code

    return call


async def submit_call(world: World, headers: dict[str, str]) -> int:
    seed = next(_seeds)
    body = application(seed, f"+7913{seed:07d}")
    return (await world.platform.http.post("/api/v1/applications", headers=headers, json=body)).status_code


def application_call(method: str, suffix: str, body: dict[str, Any] | None = None) -> Call:
    async def call(world: World, headers: dict[str, str]) -> int:
        app_id = await world.pending_application()
        response = await world.platform.http.request(
            method, f"/api/v1/applications/{app_id}{suffix}", headers=headers, json=body
        )
        return response.status_code

    return call


def send_call(method: str, path: str, body: Callable[[], dict[str, Any]]) -> Call:
    async def call(world: World, headers: dict[str, str]) -> int:
        response = await world.platform.http.request(
            method, path.format(org=world.school), headers=headers, json=body()
        )
        return response.status_code

    return call


def class_name_body() -> dict[str, Any]:
    n = next(_seeds)
    return {
        "name": f"{n % 11 + 1}{'АБВГДЕЖЗИКЛМНОПРСТУФХЦЧШЭЮЯ'[n % 27]}",
        "academic_year": f"{2000 + n // 297}/{2001 + n // 297}",
    }


def unit_name_body() -> dict[str, Any]:
    return {"name": f"Корпус {next(_seeds)}"}


#                  operator admin head teacher class_t student parent outsider other
ADMIN_ONLY = dict(zip(ROLES, (403, 200, 403, 403, 403, 403, 403, 404, 404), strict=True))
MEMBERS_READ = dict(zip(ROLES, (200, 200, 200, 200, 200, 200, 200, 404, 404), strict=True))
STAFF_READ = dict(zip(ROLES, (403, 200, 200, 200, 200, 403, 403, 404, 404), strict=True))
OPERATOR_ONLY = dict(zip(ROLES, (200, 403, 403, 403, 403, 403, 403, 403, 403), strict=True))
ANY_SIGNED_IN_201 = dict.fromkeys(ROLES, 201)
ANY_SIGNED_IN_200 = dict.fromkeys(ROLES, 200)


def created(expected: dict[str, int]) -> dict[str, int]:
    return {role: 201 if status == 200 else status for role, status in expected.items()}
