"""Who may call which directory endpoint, as a table: every endpoint × every role, with the status
each must get (services/directory/README.md, "Visibility"). Another school's member and an
outsider get 404, never data (R-ORG-1). A new endpoint without a row here fails the test."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest_asyncio

from services.directory.membership_events import set_member_roles
from services.directory.store import DirectoryStore
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
                DirectoryStore(),
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


def _get(path: str) -> Call:
    async def call(world: World, headers: dict[str, str]) -> int:
        return (await world.platform.http.get(path.format(org=world.school), headers=headers)).status_code

    return call


async def _submit(world: World, headers: dict[str, str]) -> int:
    seed = next(_seeds)
    body = application(seed, f"+7913{seed:07d}")
    return (await world.platform.http.post("/api/v1/applications", headers=headers, json=body)).status_code


def _on_application(method: str, suffix: str, body: dict[str, Any] | None = None) -> Call:
    async def call(world: World, headers: dict[str, str]) -> int:
        app_id = await world.pending_application()
        response = await world.platform.http.request(
            method, f"/api/v1/applications/{app_id}{suffix}", headers=headers, json=body
        )
        return response.status_code

    return call


def _send(method: str, path: str, body: Callable[[], dict[str, Any]]) -> Call:
    async def call(world: World, headers: dict[str, str]) -> int:
        response = await world.platform.http.request(
            method, path.format(org=world.school), headers=headers, json=body()
        )
        return response.status_code

    return call


def _class_name() -> dict[str, Any]:
    n = next(_seeds)
    return {
        "name": f"{n % 11 + 1}{'АБВГДЕЖЗИКЛМНОПРСТУФХЦЧШЭЮЯ'[n % 27]}",
        "academic_year": f"{2000 + n // 297}/{2001 + n // 297}",
    }


def _unit_name() -> dict[str, Any]:
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


TABLE: dict[tuple[str, str], tuple[Call, dict[str, int]]] = {
    ("POST", "/api/v1/applications"): (_submit, ANY_SIGNED_IN_201),
    ("GET", "/api/v1/applications"): (_get("/api/v1/applications"), OPERATOR_ONLY),
    ("GET", "/api/v1/applications/{application_id}"): (
        _on_application("GET", ""),
        {**OPERATOR_ONLY, **{r: 404 for r in ROLES if r != "operator"}},
    ),
    ("GET", "/api/v1/applications/{application_id}/document"): (
        _on_application("GET", "/document"),
        OPERATOR_ONLY,
    ),
    ("POST", "/api/v1/applications/{application_id}:approve"): (
        _on_application("POST", ":approve"),
        OPERATOR_ONLY,
    ),
    ("POST", "/api/v1/applications/{application_id}:reject"): (
        _on_application("POST", ":reject", {"reason": "Неполные сведения"}),
        OPERATOR_ONLY,
    ),
    ("GET", "/api/v1/orgs"): (_get("/api/v1/orgs"), ANY_SIGNED_IN_200),
    ("GET", "/api/v1/orgs/{org_id}"): (_get("/api/v1/orgs/{org}"), MEMBERS_READ),
    ("PATCH", "/api/v1/orgs/{org_id}"): (
        _send("PATCH", "/api/v1/orgs/{org}", lambda: {"journal_url": "https://journal.example/x"}),
        ADMIN_ONLY,
    ),
    ("POST", "/api/v1/orgs/{org_id}/units"): (
        _send("POST", "/api/v1/orgs/{org}/units", _unit_name),
        created(ADMIN_ONLY),
    ),
    ("GET", "/api/v1/orgs/{org_id}/units"): (_get("/api/v1/orgs/{org}/units"), MEMBERS_READ),
    ("POST", "/api/v1/orgs/{org_id}/classes"): (
        _send("POST", "/api/v1/orgs/{org}/classes", _class_name),
        created(ADMIN_ONLY),
    ),
    ("GET", "/api/v1/orgs/{org_id}/classes"): (_get("/api/v1/orgs/{org}/classes"), MEMBERS_READ),
    ("GET", "/api/v1/orgs/{org_id}/members"): (_get("/api/v1/orgs/{org}/members"), STAFF_READ),
}


async def test_every_endpoint_answers_every_role_as_the_table_says(world: World) -> None:
    mismatches = []
    for (method, path), (call, expected) in TABLE.items():
        for role in ROLES:
            status = await call(world, bearer(world.tokens[role]))
            if status != expected[role]:
                mismatches.append(f"{method} {path} as {role}: {status}, expected {expected[role]}")
        assert await call(world, {}) == 401, f"{method} {path} without a token"
    assert not mismatches, "\n".join(mismatches)


def test_every_directory_endpoint_has_a_row(platform: Platform) -> None:
    paths = platform.gateway.app.openapi()["paths"]
    routes = {
        (method.upper(), path)
        for path, operations in paths.items()
        if path.startswith(("/api/v1/orgs", "/api/v1/applications"))
        for method in operations
    }
    assert routes == set(TABLE), f"missing rows: {routes - set(TABLE)}; stale rows: {set(TABLE) - routes}"
