"""The live channel carries membership and read changes too (issue 5, item 7): a join is announced
to everyone following the chat; a read mark goes only to the reader's own sockets (presence-free:
no read receipts for others). Real identity, directory, messaging, gateway, NATS and PostgreSQL."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest_asyncio

from tests.support.chats import create_chat, join, post, school_with_class_teacher, synced
from tests.support.http import bearer, ok
from tests.support.live import live
from tests.support.platform import Platform
from tests.support.schools import ClassSchool

Tokens = dict[str, Any]


@dataclass
class Class5A:
    platform: Platform
    school: ClassSchool
    teacher: Tokens
    chat: dict[str, Any]

    async def new_student(self) -> Tokens:
        student = await self.school.member("student", "5А")
        five_a = uuid.UUID(self.school.classes["5А"])
        await synced(self.platform, self.school.id, student["user_id"], lambda p: p.student_class == five_a)
        return student


@pytest_asyncio.fixture(scope="module")
async def world(platform: Platform) -> Class5A:
    base = await school_with_class_teacher(platform, 820, "+79120082082", "+79120082182", ["5А"])
    chat = await create_chat(
        platform, base.school.id, base.teacher, kind="class", class_id=base.school.classes["5А"]
    )
    return Class5A(platform, base.school, base.teacher, chat)


async def test_live_a_join_is_announced_to_the_chats_followers(world: Class5A) -> None:
    newcomer = await world.new_student()
    chat = world.chat["id"]
    async with live(world.platform.gateway.port, world.teacher, {chat: 0}) as teacher:
        await teacher.rest(0)
        await join(world.platform, world.chat, newcomer)
        frame = await teacher.until("member_joined", within=5.0)
    assert frame == {"type": "member_joined", "chat_id": chat, "user_id": newcomer["user_id"]}


async def test_live_a_read_mark_reaches_only_the_readers_own_devices(world: Class5A) -> None:
    reader = await world.new_student()
    await join(world.platform, world.chat, reader)
    chat = world.chat["id"]
    port = world.platform.gateway.port
    posted = ok(await post(world.platform, chat, world.teacher, "Прочитайте, пожалуйста"), 201)
    async with (
        live(port, reader, {chat: posted["seq"]}) as phone,
        live(port, reader, {chat: posted["seq"]}) as laptop,
        live(port, world.teacher, {chat: posted["seq"]}) as teacher,
    ):
        for socket in (phone, laptop, teacher):
            await socket.rest(0)
        ok(
            await world.platform.http.post(
                f"/api/v1/chats/{chat}:read", headers=bearer(reader), json={"seq": posted["seq"]}
            )
        )
        expected = {"type": "read", "chat_id": chat, "last_read_seq": posted["seq"]}
        assert await phone.until("read", within=5.0) == expected
        assert await laptop.until("read", within=5.0) == expected
        assert [f for f in await teacher.rest() if f["type"] == "read"] == []
