"""R-MOVE-2 when roles change without a plain leave: a parent whose last child leaves goes from every
chat, a teacher who quits but stays a parent keeps the parents' chat and the school channel and
leaves the staff ones. Real directory, messaging, NATS and PostgreSQL; where the directory has no
public way to make the situation (a teacher who is also a parent), the test publishes the
directory's events itself, as the directory would."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import nats
import pytest_asyncio
from google.protobuf.message import Message

from parta.events.v1 import directory_pb2
from services.common.convert import role_value
from services.common.events import make_envelope
from services.messaging.chats.store import ChatStore
from tests.support.chats import appoint_class_teacher, create_chat, join, synced, system_channel
from tests.support.http import bearer, ok
from tests.support.platform import Infra, Platform
from tests.support.schools import ClassSchool, class_school, operator_tokens
from tests.support.waiting import until

Tokens = dict[str, Any]


@dataclass
class Family:
    platform: Platform
    school: ClassSchool
    teacher: Tokens  # class teacher of 5А
    parents_chat: dict[str, Any]

    @property
    def id(self) -> str:
        return self.school.id

    @property
    def five_a(self) -> str:
        return self.school.classes["5А"]


@pytest_asyncio.fixture(scope="module")
async def family(platform: Platform) -> Family:
    operator = await operator_tokens(platform, "+79990000720")
    school = await class_school(platform, operator, 720, "+79120070072", ["5А"])
    teacher = await appoint_class_teacher(platform, school, "5А")
    chat = await create_chat(platform, school.id, teacher, kind="parents", class_id=school.classes["5А"])
    return Family(platform, school, teacher, chat)


async def members_of(platform: Platform, chat_id: str) -> set[str]:
    async with platform.messaging.runtime.db.read("test_members") as conn:
        return {str(u) for u in await ChatStore().member_ids(conn, uuid.UUID(chat_id))}


async def publish_directory_event(infra: Infra, event_type: str, org: str, payload: Message) -> None:
    client = await nats.connect(infra.nats.url)
    try:
        envelope = make_envelope(event_type, payload, organisation_id=org)
        await client.jetstream().publish("parta." + event_type, envelope.SerializeToString())
    finally:
        await client.close()


async def test_r_move_2_a_parent_whose_only_child_leaves_leaves_every_chat(family: Family) -> None:
    """The directory takes the parent role away with the last child (a roles change, not a leave):
    the parent leaves the class's parents' chat and the school channel too."""
    platform, school = family.platform, family.school
    child = await school.member("student", "5А")
    parent = await school.member("parent", "5А")
    ok(
        await platform.http.post(
            f"/api/v1/orgs/{school.id}/parents",
            headers=school.admin,
            json={"parent_id": parent["user_id"], "child_id": child["user_id"]},
        ),
        201,
    )
    five_a = uuid.UUID(family.five_a)
    await synced(platform, school.id, parent["user_id"], lambda p: five_a in p.children_classes)
    await join(platform, family.parents_chat, parent)
    channel = await system_channel(platform, school.id, parent, "school")
    await join(platform, channel, parent)

    ok(
        await platform.http.post(
            f"/api/v1/orgs/{school.id}/movements:leave",
            headers=school.admin,
            json={"user_id": child["user_id"]},
        )
    )

    async def gone_from_both() -> bool:
        return parent["user_id"] not in (
            await members_of(platform, family.parents_chat["id"])
        ) | await members_of(platform, channel["id"])

    await until(gone_from_both, what="the parent removed from the parents' chat and the channel")
    response = await platform.http.get(f"/api/v1/chats/{channel['id']}", headers=bearer(parent))
    assert response.status_code == 404


async def test_r_move_2_a_teacher_who_quits_stays_in_the_parents_chat_of_their_child(
    family: Family, infra: Infra
) -> None:
    """A teacher who is also a parent of a 5А student quits the job: the directory keeps the parent
    role (roles_changed to [parent], then member.left with former roles [teacher]). They leave the
    staff channel, and keep the parents' chat and the school channel."""
    platform, school = family.platform, family.school
    child = await school.member("student", "5А")
    teacher = await school.member("teacher", who="teacherparent")
    org, user = school.id, teacher["user_id"]
    await publish_directory_event(
        infra,
        "directory.member.roles_changed",
        org,
        directory_pb2.MemberRolesChanged(
            organisation_id=org,
            user_id=user,
            roles=[role_value("teacher"), role_value("parent")],
            version=1000,
        ),
    )
    await publish_directory_event(
        infra,
        "directory.parent.linked",
        org,
        directory_pb2.ParentLinked(
            organisation_id=org, parent_id=user, child_id=child["user_id"], class_id=family.five_a
        ),
    )
    five_a = uuid.UUID(family.five_a)
    await synced(platform, org, user, lambda p: five_a in p.children_classes and p.is_staff)
    chats = {
        "staff": await system_channel(platform, org, teacher, "staff"),
        "school": await system_channel(platform, org, teacher, "school"),
        "parents": family.parents_chat,
    }
    for chat in chats.values():
        await join(platform, chat, teacher)

    await publish_directory_event(
        infra,
        "directory.member.roles_changed",
        org,
        directory_pb2.MemberRolesChanged(
            organisation_id=org, user_id=user, roles=[role_value("parent")], version=1001
        ),
    )
    await publish_directory_event(
        infra,
        "directory.member.left",
        org,
        directory_pb2.MemberLeft(organisation_id=org, user_id=user, former_roles=[role_value("teacher")]),
    )

    async def out_of_staff() -> bool:
        return user not in await members_of(platform, chats["staff"]["id"])

    await until(out_of_staff, what="the former teacher removed from the staff channel")
    await synced(platform, org, user, lambda p: not p.is_staff and p.roles == frozenset({"parent"}))
    assert user in await members_of(platform, chats["parents"]["id"])
    assert user in await members_of(platform, chats["school"]["id"])
    assert ok(await platform.http.get(f"/api/v1/chats/{chats['parents']['id']}", headers=bearer(teacher)))[
        "member"
    ]
