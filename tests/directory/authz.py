"""Shared pieces of the directory's authorisation tables (the roles and their world are in
`tests.support.roles`): call builders, and the usual rows of expected statuses. Each area keeps its rows in
`authz_<area>.py`; `test_authorisation_table.py` runs them all and checks every endpoint has a row."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from tests.support.roles import ROLES, World, seeds
from tests.support.schools import application

Call = Callable[[World, dict[str, str]], Awaitable[int]]
Rows = dict[tuple[str, str], tuple[Call, dict[str, int]]]


def get_call(path: str) -> Call:
    async def call(world: World, headers: dict[str, str]) -> int:
        return (await world.platform.http.get(path.format(org=world.school), headers=headers)).status_code

    return call


async def submit_call(world: World, headers: dict[str, str]) -> int:
    seed = next(seeds)
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
    n = next(seeds)
    return {
        "name": f"{n % 11 + 1}{'АБВГДЕЖЗИКЛМНОПРСТУФХЦЧШЭЮЯ'[n % 27]}",
        "academic_year": f"{2000 + n // 297}/{2001 + n // 297}",
    }


def unit_name_body() -> dict[str, Any]:
    return {"name": f"Корпус {next(seeds)}"}


#                  operator admin head teacher class_t student parent outsider other
ADMIN_ONLY = dict(zip(ROLES, (403, 200, 403, 403, 403, 403, 403, 404, 404), strict=True))
MEMBERS_READ = dict(zip(ROLES, (200, 200, 200, 200, 200, 200, 200, 404, 404), strict=True))
STAFF_READ = dict(zip(ROLES, (403, 200, 200, 200, 200, 403, 403, 404, 404), strict=True))
OPERATOR_ONLY = dict(zip(ROLES, (200, 403, 403, 403, 403, 403, 403, 403, 403), strict=True))
ANY_SIGNED_IN_201 = dict.fromkeys(ROLES, 201)
ANY_SIGNED_IN_200 = dict.fromkeys(ROLES, 200)


def created(expected: dict[str, int]) -> dict[str, int]:
    return {role: 201 if status == 200 else status for role, status in expected.items()}
