"""`Chats.GetChatAccess`: what a caller may do in a chat now, as media asks it before a call
(R-MEDIA-3) — over real gRPC with the caller's own token, every service real."""

from __future__ import annotations

import uuid
from typing import Any

import grpc
import pytest
import pytest_asyncio

from parta.messaging.v1 import chats_pb2, chats_pb2_grpc
from parta.messaging.v1 import messaging_pb2 as pb
from tests.support.chats import block, class_chat, join, synced
from tests.support.platform import Platform
from tests.support.schools import ClassSchool

Tokens = dict[str, Any]


@pytest_asyncio.fixture(scope="module")
async def school(platform: Platform) -> tuple[ClassSchool, ClassSchool, Tokens, dict[str, Any]]:
    made = await class_chat(platform, 740, "+79120074074", "+79120074141", "5А", students=0)
    return made.school, made.other, made.teacher, made.chat


async def rights(platform: Platform, chat_id: str, who: Tokens) -> chats_pb2.ChatAccess:
    async with grpc.aio.insecure_channel(platform.messaging.grpc.address) as channel:
        reply: chats_pb2.ChatAccess = await chats_pb2_grpc.ChatsStub(channel).GetChatAccess(
            chats_pb2.GetChatRequest(chat_id=chat_id),
            metadata=(("authorization", f"Bearer {who['access_token']}"),),
        )
        return reply


async def test_creator_of_a_class_chat_reads_posts_and_moderates(
    platform: Platform, school: tuple[ClassSchool, ClassSchool, Tokens, dict[str, Any]]
) -> None:
    """R-MOD-1: the class teacher who made the chat moderates it."""
    the_school, _, teacher, chat = school
    access = await rights(platform, chat["id"], teacher)
    assert (access.chat_id, access.organisation_id) == (chat["id"], the_school.id)
    assert access.kind == pb.CHAT_KIND_CLASS
    assert (access.may_read, access.may_post, access.blocked, access.may_moderate) == (
        True,
        True,
        False,
        True,
    )


async def test_student_before_and_after_joining_and_when_blocked(
    platform: Platform, school: tuple[ClassSchool, ClassSchool, Tokens, dict[str, Any]]
) -> None:
    """R-CHAT-5: a student of 5А sees the chat but reads it only as a member; R-MOD-3: a block silences."""
    the_school, _, teacher, chat = school
    student = await the_school.member("student", "5А")
    five_a = uuid.UUID(the_school.classes["5А"])
    await synced(platform, the_school.id, student["user_id"], lambda p: p.student_class == five_a)
    before = await rights(platform, chat["id"], student)
    assert (before.may_read, before.may_moderate) == (False, False)

    await join(platform, chat, student)
    member = await rights(platform, chat["id"], student)
    assert (member.may_read, member.may_post, member.blocked, member.may_moderate) == (
        True,
        True,
        False,
        False,
    )

    await block(platform, chat["id"], teacher, student, days=7)
    blocked = await rights(platform, chat["id"], student)
    assert (blocked.may_read, blocked.blocked) == (True, True)


async def test_another_schools_member_learns_nothing(
    platform: Platform, school: tuple[ClassSchool, ClassSchool, Tokens, dict[str, Any]]
) -> None:
    """Each school is a closed space: NOT_FOUND, as for a chat that does not exist."""
    _, other, _, chat = school
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await rights(platform, chat["id"], other.school.admin)
    assert refused.value.code() == grpc.StatusCode.NOT_FOUND
