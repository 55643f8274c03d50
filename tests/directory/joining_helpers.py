"""Helpers for the directory's tests of joining and roles: classes, the staff room, people who join
through an invite link, and people seeded straight into the directory (for those who are only acted
upon and never sign in). Invite links themselves are made with `tests.support.schools.make_invite`."""

from __future__ import annotations

import uuid
from typing import Any

from services.directory.membership.roles import set_member_roles
from services.directory.membership.store import MembershipStore
from tests.support.http import bearer
from tests.support.platform import Platform
from tests.support.schools import School


async def seed_member(platform: Platform, org_id: str, roles: list[str]) -> str:
    """A new person who is a member with `roles`."""
    user_id = uuid.uuid4()
    async with platform.directory.runtime.db.transaction("test_seed_member") as conn:
        await set_member_roles(
            MembershipStore(),
            conn,
            organisation_id=uuid.UUID(org_id),
            user_id=user_id,
            roles=roles,
            action="test_seed",
            actor=None,
        )
    return str(user_id)


async def create_class(platform: Platform, school: School, name: str) -> str:
    response = await platform.http.post(
        f"/api/v1/orgs/{school.id}/classes", headers=bearer(school.admin), json={"name": name}
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def staff_room(platform: Platform, school: School) -> str:
    classes = (
        await platform.http.get(f"/api/v1/orgs/{school.id}/classes", headers=bearer(school.admin))
    ).json()["classes"]
    return str(next(c["id"] for c in classes if c["kind"] == "staff_room"))


async def accept(platform: Platform, tokens: dict[str, Any], token: str) -> Any:
    return await platform.http.post(f"/api/v1/invites/{token}:accept", headers=bearer(tokens))


async def join(platform: Platform, destination: str, token: str) -> dict[str, Any]:
    """Sign in as a new person and accept the link; their tokens."""
    tokens = await platform.sign_in(destination)
    response = await accept(platform, tokens, token)
    assert response.status_code == 200, response.text
    return tokens


async def roles_of(platform: Platform, school: School, user_id: str) -> list[str]:
    members = (
        await platform.http.get(f"/api/v1/orgs/{school.id}/members", headers=bearer(school.admin))
    ).json()["members"]
    return next((list(m["roles"]) for m in members if m["user_id"] == user_id), [])
