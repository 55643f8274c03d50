"""Role verification (R-ROLE-2): staff join as teacher/educator and only that organisation's
administrator verifies the status. Who is an administrator comes from directory's events on NATS."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import grpc
import nats
import pytest
import pytest_asyncio
from nats.aio.client import Client as NATS

from parta.common.v1 import common_pb2
from parta.events.v1 import directory_pb2, envelope_pb2
from parta.events.v1 import identity_pb2 as events
from parta.identity.v1 import identity_pb2 as pb
from parta.identity.v1 import identity_pb2_grpc
from services.common.errors import PermissionDenied
from services.common.events import make_envelope
from services.identity.verification import check_may_decide
from tests.support.http import bearer
from tests.support.platform import Infra, Platform
from tests.support.waiting import until

ADMIN, TEACHER, STUDENT = (
    common_pb2.ORG_ROLE_ADMINISTRATOR,
    common_pb2.ORG_ROLE_TEACHER,
    common_pb2.ORG_ROLE_STUDENT,
)


def test_only_an_administrator_may_decide() -> None:
    check_may_decide(frozenset({"administrator", "teacher"}))
    for roles in ({"head"}, {"teacher", "class_teacher"}, {"parent"}, set()):
        with pytest.raises(PermissionDenied) as refused:
            check_may_decide(frozenset(roles))
        assert refused.value.rule == "R-ROLE-2"


@pytest_asyncio.fixture(scope="module")
async def nc(infra: Infra) -> AsyncIterator[NATS]:
    client = await nats.connect(infra.nats.url)
    yield client
    await client.close()


async def roles_changed(nc: NATS, org: str, user: str, roles: list[int], version: int = 1) -> None:
    """What directory publishes when a member's roles change."""
    payload = directory_pb2.MemberRolesChanged(
        organisation_id=org, user_id=user, roles=roles, version=version
    )
    envelope = make_envelope("directory.member.roles_changed", payload, organisation_id=org)
    await nc.jetstream().publish("parta.directory.member.roles_changed", envelope.SerializeToString())


def auth(tokens: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    return (("authorization", f"Bearer {tokens['access_token']}"),)


async def eventually_pending(platform: Platform, tokens: dict[str, Any], org: str) -> dict[str, Any]:

    async def found() -> list[dict[str, Any]]:
        me = (await platform.http.get("/api/v1/me", headers=bearer(tokens))).json()
        return [v for v in me["verifications"] if v["organisation_id"] == org]

    return dict((await until(found, what="the teacher's verification"))[0])


async def expect_refusal(call: Any, code: grpc.StatusCode) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await call
    assert refused.value.code() == code, refused.value.details()
    return refused.value


async def test_administrator_verifies_a_teacher_who_joined(platform: Platform, nc: NATS) -> None:
    org, other_org = str(uuid.uuid4()), str(uuid.uuid4())
    admin = await platform.sign_in("director@school1.example")
    teacher = await platform.sign_in("teacher@school1.example")
    student = await platform.sign_in("student@school1.example")
    stranger = await platform.sign_in("director@school2.example")
    await roles_changed(nc, org, admin["user_id"], [ADMIN, TEACHER])
    await roles_changed(nc, org, teacher["user_id"], [TEACHER])
    await roles_changed(nc, org, student["user_id"], [STUDENT])
    await roles_changed(nc, other_org, stranger["user_id"], [ADMIN])

    verification = await eventually_pending(platform, teacher, org)
    assert verification["status"] == "pending"
    assert verification["role"] == "teacher"

    decided: asyncio.Queue[envelope_pb2.EventEnvelope] = asyncio.Queue()

    async def on_decided(msg: Any) -> None:
        await decided.put(envelope_pb2.EventEnvelope.FromString(msg.data))

    sub = await nc.subscribe("parta.identity.role.>", cb=on_decided)
    async with grpc.aio.insecure_channel(platform.identity_addr) as channel:
        stub = identity_pb2_grpc.IdentityStub(channel)
        decide = pb.DecideRoleVerificationRequest(verification_id=verification["id"], verified=True)

        refused = await expect_refusal(
            stub.DecideRoleVerification(decide, metadata=auth(student)), grpc.StatusCode.PERMISSION_DENIED
        )
        assert ("parta-rule", "R-ROLE-2") in tuple(refused.trailing_metadata() or ())
        # Another school's administrator learns nothing about this school (R-ORG-1).
        await expect_refusal(
            stub.DecideRoleVerification(decide, metadata=auth(stranger)), grpc.StatusCode.NOT_FOUND
        )

        reply = await stub.DecideRoleVerification(decide, metadata=auth(admin))
        assert reply.status == pb.RoleVerification.STATUS_VERIFIED
        listed = await stub.ListRoleVerifications(
            pb.ListRoleVerificationsRequest(organisation_id=org), metadata=auth(admin)
        )
        # The administrator holds the teacher role too, so both have a verification record.
        assert {v.user_id for v in listed.verifications} == {teacher["user_id"], admin["user_id"]}
        await expect_refusal(
            stub.ListRoleVerifications(
                pb.ListRoleVerificationsRequest(organisation_id=org), metadata=auth(stranger)
            ),
            grpc.StatusCode.NOT_FOUND,
        )

    envelope = await asyncio.wait_for(decided.get(), timeout=5)
    payload = events.RoleVerificationDecided()
    envelope.payload.Unpack(payload)
    assert envelope.type == "identity.role.verified"
    assert envelope.organisation_id == org
    assert (payload.user_id, payload.verified, payload.decided_by) == (
        teacher["user_id"],
        True,
        admin["user_id"],
    )
    await sub.unsubscribe()

    badge = (await platform.http.get("/api/v1/me", headers=bearer(teacher))).json()["verifications"]
    assert [v["status"] for v in badge] == ["verified"]


async def test_rejection_needs_a_reason(platform: Platform, nc: NATS) -> None:
    org = str(uuid.uuid4())
    admin = await platform.sign_in("director@school3.example")
    teacher = await platform.sign_in("teacher@school3.example")
    await roles_changed(nc, org, admin["user_id"], [ADMIN])
    await roles_changed(nc, org, teacher["user_id"], [TEACHER])
    verification = await eventually_pending(platform, teacher, org)
    async with grpc.aio.insecure_channel(platform.identity_addr) as channel:
        stub = identity_pb2_grpc.IdentityStub(channel)
        reject = pb.DecideRoleVerificationRequest(verification_id=verification["id"], verified=False)
        await expect_refusal(
            stub.DecideRoleVerification(reject, metadata=auth(admin)), grpc.StatusCode.INVALID_ARGUMENT
        )
        reject.reason = "Не работает в нашей школе"
        reply = await stub.DecideRoleVerification(reject, metadata=auth(admin))
        assert reply.status == pb.RoleVerification.STATUS_REJECTED
        assert reply.reason == reject.reason


async def test_an_older_membership_event_does_not_undo_a_newer_one(platform: Platform, nc: NATS) -> None:
    org = str(uuid.uuid4())
    admin = await platform.sign_in("director@school4.example")
    teacher = await platform.sign_in("teacher@school4.example")
    await roles_changed(nc, org, admin["user_id"], [ADMIN], version=2)
    await roles_changed(nc, org, admin["user_id"], [], version=1)  # late, out of order
    await roles_changed(nc, org, teacher["user_id"], [TEACHER])
    verification = await eventually_pending(platform, teacher, org)
    async with grpc.aio.insecure_channel(platform.identity_addr) as channel:
        stub = identity_pb2_grpc.IdentityStub(channel)
        decide = pb.DecideRoleVerificationRequest(verification_id=verification["id"], verified=True)
        assert (
            await stub.DecideRoleVerification(decide, metadata=auth(admin))
        ).status == pb.RoleVerification.STATUS_VERIFIED


async def test_only_staff_roles_held_already_can_be_submitted_for_verification(
    platform: Platform, nc: NATS
) -> None:
    org = str(uuid.uuid4())
    parent = await platform.sign_in("parent@school5.example")
    await roles_changed(nc, org, parent["user_id"], [common_pb2.ORG_ROLE_PARENT])
    async with grpc.aio.insecure_channel(platform.identity_addr) as channel:
        stub = identity_pb2_grpc.IdentityStub(channel)
        await expect_refusal(
            stub.RequestRoleVerification(
                pb.RequestRoleVerificationRequest(organisation_id=org, role=STUDENT), metadata=auth(parent)
            ),
            grpc.StatusCode.INVALID_ARGUMENT,
        )
        refused = await expect_refusal(
            stub.RequestRoleVerification(
                pb.RequestRoleVerificationRequest(organisation_id=org, role=TEACHER), metadata=auth(parent)
            ),
            grpc.StatusCode.FAILED_PRECONDITION,
        )
        assert ("parta-rule", "R-ROLE-2") in tuple(refused.trailing_metadata() or ())
        assert "R-ROLE-2" not in (refused.details() or "")  # people read the reason, not the code
