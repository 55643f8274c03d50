"""The membership check other services authorise with: answered from a cache that role-change
events keep current, so someone who loses a role loses access within moments (R-MOVE-2)."""

from __future__ import annotations

import uuid
from typing import Any

import grpc
import pytest
import pytest_asyncio

from parta.common.v1 import common_pb2
from parta.directory.v1 import membership_pb2, membership_pb2_grpc
from services.directory.membership.roles import set_member_roles
from services.directory.membership.store import MembershipStore
from tests.support.platform import Platform
from tests.support.schools import ClassSchool, add_operator, approved_school
from tests.support.waiting import until


@pytest_asyncio.fixture(scope="module")
async def operator(platform: Platform) -> dict[str, Any]:
    await add_operator(platform, "+79990000004")
    return await platform.sign_in("+79990000004")


async def seed_roles(platform: Platform, org: str, user: str, roles: list[str]) -> None:
    async with platform.directory.runtime.db.transaction("test_seed_roles") as conn:
        await set_member_roles(
            MembershipStore(),
            conn,
            organisation_id=uuid.UUID(org),
            user_id=uuid.UUID(user),
            roles=roles,
            action="test_seed",
            actor=None,
        )


async def test_a_role_taken_away_is_seen_by_the_check_within_moments(
    platform: Platform, operator: dict[str, Any]
) -> None:
    school = await approved_school(platform, operator, 70, "+79120007070")
    student = await platform.sign_in("leaving.student@school70.example")
    await seed_roles(platform, school.id, student["user_id"], ["student"])
    assert platform.directory.grpc is not None
    async with grpc.aio.insecure_channel(platform.directory.grpc.address) as channel:
        stub = membership_pb2_grpc.MembersStub(channel)
        metadata = (("authorization", f"Bearer {student['access_token']}"),)
        request = membership_pb2.CheckMembershipRequest(organisation_id=school.id)
        for _ in range(3):  # answered, then remembered
            reply = await stub.CheckMembership(request, metadata=metadata)
            assert (reply.member, list(reply.roles)) == (True, [common_pb2.ORG_ROLE_STUDENT])

        await seed_roles(platform, school.id, student["user_id"], [])

        async def no_longer_member() -> bool:
            return not (await stub.CheckMembership(request, metadata=metadata)).member

        await until(no_longer_member, within=2, every=0.01, what="the check saying no longer a member")


async def test_staff_may_check_another_member_and_others_may_not(
    platform: Platform, operator: dict[str, Any]
) -> None:
    school = await approved_school(platform, operator, 71, "+79120007171")
    student = await platform.sign_in("student@school71.example")
    await seed_roles(platform, school.id, student["user_id"], ["student"])
    assert platform.directory.grpc is not None
    async with grpc.aio.insecure_channel(platform.directory.grpc.address) as channel:
        stub = membership_pb2_grpc.MembersStub(channel)
        by_admin = await stub.CheckMembership(
            membership_pb2.CheckMembershipRequest(organisation_id=school.id, user_id=student["user_id"]),
            metadata=(("authorization", f"Bearer {school.admin['access_token']}"),),
        )
        assert list(by_admin.roles) == [common_pb2.ORG_ROLE_STUDENT]
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await stub.CheckMembership(
                membership_pb2.CheckMembershipRequest(
                    organisation_id=school.id, user_id=school.admin["user_id"]
                ),
                metadata=(("authorization", f"Bearer {student['access_token']}"),),
            )
        assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_with_classes_the_check_names_my_class_and_my_childrens_classes(
    platform: Platform, operator: dict[str, Any]
) -> None:
    """What a broadcast's class audience (R-MEDIA-2) is resolved against: the class a student studies
    in now (R-ROLE-5) and the classes of a parent's linked children (R-ROLE-6); without the flag the
    check answers roles only, as before."""
    school = ClassSchool(platform, await approved_school(platform, operator, 72, "+79120007272"))
    await school.add_class("3В")
    student = await school.member("student", "3В")
    parent = await school.member("parent", "3В")
    await school.link_parent(parent, student)
    assert platform.directory.grpc is not None
    async with grpc.aio.insecure_channel(platform.directory.grpc.address) as channel:
        stub = membership_pb2_grpc.MembersStub(channel)

        async def check(who: dict[str, Any], with_classes: bool) -> membership_pb2.Membership:
            reply: membership_pb2.Membership = await stub.CheckMembership(
                membership_pb2.CheckMembershipRequest(organisation_id=school.id, with_classes=with_classes),
                metadata=(("authorization", f"Bearer {who['access_token']}"),),
            )
            return reply

        mine = await check(student, True)
        assert (list(mine.class_ids), list(mine.children_class_ids)) == ([school.classes["3В"]], [])
        theirs = await check(parent, True)
        assert list(theirs.children_class_ids) == [school.classes["3В"]]
        plain = await check(student, False)
        assert (plain.member, list(plain.class_ids)) == (True, [])
