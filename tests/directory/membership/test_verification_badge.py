"""R-ROLE-2 across services: a teacher who joined is pending at identity; when the school's
administrator verifies them, directory learns it from identity's event and shows the badge."""

from __future__ import annotations

import uuid
from typing import Any

import grpc
import pytest_asyncio

from parta.identity.v1 import identity_pb2 as pb
from parta.identity.v1 import identity_pb2_grpc
from services.directory.membership.roles import set_member_roles
from services.directory.membership.store import MembershipStore
from tests.support.http import bearer
from tests.support.platform import Platform
from tests.support.schools import add_operator, approved_school
from tests.support.waiting import until


@pytest_asyncio.fixture(scope="module")
async def operator(platform: Platform) -> dict[str, Any]:
    await add_operator(platform, "+79990000003")
    return await platform.sign_in("+79990000003")


async def test_verified_teacher_shows_the_badge_in_the_members_list(
    platform: Platform, operator: dict[str, Any]
) -> None:
    school = await approved_school(platform, operator, 60, "+79120006060")
    teacher = await platform.sign_in("verified.teacher@school60.example")
    async with platform.directory.runtime.db.transaction("test_seed_teacher") as conn:
        await set_member_roles(
            MembershipStore(),
            conn,
            organisation_id=uuid.UUID(school.id),
            user_id=uuid.UUID(teacher["user_id"]),
            roles=["teacher"],
            action="test_seed",
            actor=school.admin["user_id"],
        )

    async def verifications() -> list[dict[str, Any]]:
        me = (await platform.http.get("/api/v1/me", headers=bearer(teacher))).json()
        return [v for v in me["verifications"] if v["organisation_id"] == school.id]

    pending = await until(verifications, what="the teacher's verification")
    assert [v["status"] for v in pending] == ["pending"]

    members = (
        await platform.http.get(f"/api/v1/orgs/{school.id}/members", headers=bearer(school.admin))
    ).json()
    row = next(m for m in members["members"] if m["user_id"] == teacher["user_id"])
    assert (row["roles"], row["verified_roles"]) == (["teacher"], [])

    async with grpc.aio.insecure_channel(platform.identity_addr) as channel:
        await identity_pb2_grpc.IdentityStub(channel).DecideRoleVerification(
            pb.DecideRoleVerificationRequest(verification_id=pending[0]["id"], verified=True),
            metadata=(("authorization", f"Bearer {school.admin['access_token']}"),),
        )

    async def teachers_row() -> dict[str, Any] | None:
        members = (
            await platform.http.get(f"/api/v1/orgs/{school.id}/members", headers=bearer(school.admin))
        ).json()
        row = next(m for m in members["members"] if m["user_id"] == teacher["user_id"])
        return row if row["verified_roles"] else None

    row = await until(teachers_row, what="the teacher's verified role")
    assert row["verified_roles"] == ["teacher"]
