"""The roles of an authorisation table and their world: one school with one member of each role
(plus operator staff, an outsider and another school's administrator), shared by the directory's and
messaging's authorisation tables. `seeds` numbers the applications the tables submit."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from typing import Any

import pytest_asyncio

from services.directory.membership.roles import set_member_roles
from services.directory.membership.store import MembershipStore
from tests.support.http import bearer
from tests.support.platform import Platform
from tests.support.schools import add_operator, application, approved_school

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
seeds = itertools.count(100)


@dataclass
class World:
    platform: Platform
    school: str
    tokens: dict[str, dict[str, Any]]
    operator: dict[str, Any]
    applicant: dict[str, Any]

    async def pending_application(self) -> str:
        seed = next(seeds)
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
