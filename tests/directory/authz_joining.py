"""Authorisation rows of the directory's joining endpoints (see tests/directory/authz.py).

The world's class teacher leads no class to begin with, so the builders here make what each call
needs: a fresh class the world's class teacher leads, fresh staff, students and parents seeded
straight into the directory's tables (no sign-in needed for people who are only acted upon)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from services.directory.joining.invites import hash_token, new_token
from services.directory.joining.store import JoiningStore
from services.directory.membership.roles import set_member_roles
from services.directory.membership.store import MembershipStore
from services.directory.organisations.store import OrganisationsStore
from tests.directory.authz import ADMIN_ONLY, STAFF_READ, Call, Rows, class_name_body, created, get_call
from tests.support.roles import ROLES, World

MEMBERS = MembershipStore()
ORGANISATIONS = OrganisationsStore()
INVITES = JoiningStore()


def _row(*statuses: int) -> dict[str, int]:
    return dict(zip(ROLES, statuses, strict=True))


#                                   operator admin head teacher class_t student parent outsider other
ADMIN_OR_CLASS_TEACHER = _row(403, 200, 403, 403, 200, 403, 403, 404, 404)
STAFF_OR_PARENT_READ = {**STAFF_READ, "parent": 200}


async def seed_member(world: World, roles: list[str]) -> uuid.UUID:
    """A new person who is a member with `roles` (never signs in)."""
    user_id = uuid.uuid4()
    async with world.platform.directory.runtime.db.transaction("test_seed_member") as conn:
        await set_member_roles(
            MEMBERS,
            conn,
            organisation_id=uuid.UUID(world.school),
            user_id=user_id,
            roles=roles,
            action="test_seed",
            actor=None,
        )
    return user_id


async def led_class(world: World) -> uuid.UUID:
    """A new class of the world's school, led by the world's class teacher."""
    org_id = uuid.UUID(world.school)
    body = class_name_body()
    async with world.platform.directory.runtime.db.transaction("test_seed_class") as conn:
        klass = await ORGANISATIONS.create_class(
            conn, organisation_id=org_id, kind="class", name=body["name"], academic_year=body["academic_year"]
        )
        assert klass is not None
        teacher = uuid.UUID(world.tokens["class_teacher"]["user_id"])
        await MEMBERS.set_class_teacher(conn, org_id, klass.id, teacher)
    return uuid.UUID(str(klass.id))


async def seed_student(world: World, class_id: uuid.UUID) -> uuid.UUID:
    student = await seed_member(world, ["student"])
    async with world.platform.directory.runtime.db.transaction("test_seed_student") as conn:
        await MEMBERS.set_student_class(conn, uuid.UUID(world.school), student, class_id)
    return student


async def seed_invite(world: World, class_id: uuid.UUID) -> uuid.UUID:
    async with world.platform.directory.runtime.db.transaction("test_seed_invite") as conn:
        row = await INVITES.insert_invite(
            conn,
            organisation_id=uuid.UUID(world.school),
            class_id=class_id,
            role="student",
            token_hash=hash_token(new_token()),
            created_by=uuid.UUID(world.tokens["admin"]["user_id"]),
            expires_at=datetime.now(UTC) + timedelta(days=7),
            max_uses=40,
        )
    return uuid.UUID(str(row.id))


async def _send(world: World, method: str, path: str, headers: dict[str, str], body: Any = None) -> int:
    response = await world.platform.http.request(
        method, path.format(org=world.school), headers=headers, json=body
    )
    return response.status_code


async def appoint_call(world: World, headers: dict[str, str]) -> int:
    teacher = await seed_member(world, ["teacher"])
    return await _send(
        world, "POST", f"/api/v1/orgs/{{org}}/members/{teacher}:appoint-administrator", headers
    )


async def class_teacher_call(world: World, headers: dict[str, str]) -> int:
    class_id, teacher = await led_class(world), await seed_member(world, ["teacher"])
    path = f"/api/v1/orgs/{{org}}/classes/{class_id}/class-teacher"
    return await _send(world, "PUT", path, headers, {"user_id": str(teacher)})


async def subject_call(world: World, headers: dict[str, str]) -> int:
    class_id, teacher = await led_class(world), await seed_member(world, ["teacher"])
    path = f"/api/v1/orgs/{{org}}/classes/{class_id}/subjects"
    return await _send(world, "POST", path, headers, {"subject": "Математика", "user_id": str(teacher)})


async def invite_call(world: World, headers: dict[str, str]) -> int:
    body = {"class_id": str(await led_class(world)), "role": "student"}
    return await _send(world, "POST", "/api/v1/orgs/{org}/invites", headers, body)


async def batch_call(world: World, headers: dict[str, str]) -> int:
    path = f"/api/v1/orgs/{{org}}/classes/{await led_class(world)}/invites:batch"
    return await _send(world, "POST", path, headers, {"role": "student", "labels": ["Иванов Иван"]})


async def revoke_call(world: World, headers: dict[str, str]) -> int:
    invite = await seed_invite(world, await led_class(world))
    return await _send(world, "POST", f"/api/v1/orgs/{{org}}/invites/{invite}:revoke", headers)


async def revoke_all_call(world: World, headers: dict[str, str]) -> int:
    return await _send(world, "POST", "/api/v1/orgs/{org}/invites:revoke-all", headers)


async def link_parent_call(world: World, headers: dict[str, str]) -> int:
    child = await seed_student(world, await led_class(world))
    parent = await seed_member(world, ["parent"])
    body = {"parent_id": str(parent), "child_id": str(child)}
    return await _send(world, "POST", "/api/v1/orgs/{org}/parents", headers, body)


def _calls() -> Rows:
    orgs = "/api/v1/orgs/{org_id}"
    rows: dict[tuple[str, str], tuple[Call, dict[str, int]]] = {
        ("POST", orgs + "/members/{user_id}:appoint-administrator"): (appoint_call, ADMIN_ONLY),
        ("PUT", orgs + "/classes/{class_id}/class-teacher"): (class_teacher_call, ADMIN_ONLY),
        ("POST", orgs + "/classes/{class_id}/subjects"): (subject_call, created(ADMIN_ONLY)),
        ("GET", orgs + "/subjects"): (get_call("/api/v1/orgs/{org}/subjects"), ADMIN_ONLY),
        ("POST", orgs + "/invites"): (invite_call, created(ADMIN_OR_CLASS_TEACHER)),
        ("POST", orgs + "/classes/{class_id}/invites:batch"): (batch_call, created(ADMIN_OR_CLASS_TEACHER)),
        ("GET", orgs + "/invites"): (get_call("/api/v1/orgs/{org}/invites"), ADMIN_OR_CLASS_TEACHER),
        ("POST", orgs + "/invites/{invite_id}:revoke"): (revoke_call, ADMIN_OR_CLASS_TEACHER),
        ("POST", orgs + "/invites:revoke-all"): (revoke_all_call, ADMIN_ONLY),
        ("POST", orgs + "/parents"): (link_parent_call, created(ADMIN_OR_CLASS_TEACHER)),
        ("GET", orgs + "/parents"): (get_call("/api/v1/orgs/{org}/parents"), STAFF_OR_PARENT_READ),
    }
    return rows


TABLE: Rows = _calls()
