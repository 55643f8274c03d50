"""The live channel `/api/v1/ws` with every service real: two WebSocket clients of one class chat,
resume after a reconnect, refusals, removal on leaving, and two gateways sharing NATS."""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.support.chats import create_chat, join, post, synced
from tests.support.http import ok
from tests.support.live import live, ws_url
from tests.support.platform import Infra, Platform, running_gateway
from tests.support.schools import class_school, operator_tokens

Tokens = dict[str, Any]


@dataclass
class World:
    platform: Platform
    org: str
    admin: dict[str, str]  # headers
    teacher: Tokens
    students: list[Tokens]
    outsider: Tokens  # a student of another class: not in the chat
    chat: dict[str, Any]


@pytest_asyncio.fixture(scope="module")
async def world(platform: Platform) -> World:
    operator = await operator_tokens(platform, "+79990000800")
    school = await class_school(platform, operator, 800, "+79120080080", ["5А", "6Б"])
    teacher = await school.member("teacher", who="classteacher")
    response = await platform.http.put(
        f"/api/v1/orgs/{school.id}/classes/{school.classes['5А']}/class-teacher",
        headers=school.admin,
        json={"user_id": teacher["user_id"]},
    )
    assert response.status_code in (200, 201), response.text
    students = [await school.member("student", "5А") for _ in range(3)]
    outsider = await school.member("student", "6Б")
    five_a = uuid.UUID(school.classes["5А"])
    await synced(platform, school.id, teacher["user_id"], lambda p: five_a in p.class_teacher_of)
    for student in students:
        await synced(platform, school.id, student["user_id"], lambda p: p.student_class == five_a)
    chat = await create_chat(platform, school.id, teacher, kind="class", class_id=school.classes["5А"])
    for student in students:
        await join(platform, chat, student)
    return World(platform, school.id, school.admin, teacher, students, outsider, chat)


async def last_seq(world: World) -> int:
    response = await world.platform.http.get(
        f"/api/v1/chats/{world.chat['id']}",
        headers={"Authorization": f"Bearer {world.teacher['access_token']}"},
    )
    return int(ok(response)["last_seq"])


async def say(world: World, tokens: Tokens, text: str) -> dict[str, Any]:
    return dict(ok(await post(world.platform, world.chat["id"], tokens, text), 201))


async def test_live_two_members_receive_each_others_messages_within_a_second(world: World) -> None:
    port = world.platform.gateway.port
    chat = world.chat["id"]
    since = await last_seq(world)
    async with (
        live(port, world.teacher, {chat: since}) as teacher,
        live(port, world.students[0], {chat: since}) as student,
    ):
        await teacher.rest(0)
        await student.rest(0)
        sent = await say(world, world.teacher, "Доброе утро, 5А")
        got = (await student.messages(1, within=1.0))[0]
        assert got["chat_id"] == chat
        assert got["message"] == sent  # the REST message shape
        reply = await say(world, world.students[0], "Доброе утро!")
        assert [f["message"]["seq"] for f in await teacher.messages(2, within=1.0)] == [
            sent["seq"],
            reply["seq"],
        ]
        assert (await student.messages(1, within=1.0))[0]["message"]["text"] == "Доброе утро!"
        assert [f for f in await student.rest() if f["type"] == "message"] == []


async def test_live_reconnect_resumes_from_the_last_seq_with_no_gap_and_no_duplicate(world: World) -> None:
    port = world.platform.gateway.port
    chat = world.chat["id"]
    async with live(port, world.students[1], {chat: 0}) as student:
        history = await student.messages(await last_seq(world))
        seen = [f["message"]["seq"] for f in history]
        assert seen == list(range(1, len(seen) + 1))
    missed = [(await say(world, world.teacher, f"Пока вас не было {i}"))["seq"] for i in range(3)]

    # Reconnect while the teacher keeps posting: history and live must meet exactly.
    async def keep_posting() -> list[int]:
        return [(await say(world, world.teacher, f"Живое {i}"))["seq"] for i in range(5)]

    async with live(port, world.students[1]) as student:
        posting = asyncio.create_task(keep_posting())
        await student.send({"type": "subscribe", "chats": {chat: seen[-1]}})
        live_seqs = await posting
        frames = await student.messages(len(missed) + len(live_seqs))
        frames += [f for f in await student.rest() if f["type"] == "message"]
    assert [f["message"]["seq"] for f in frames] == missed + live_seqs
    assert missed[0] == seen[-1] + 1


async def test_live_edits_and_deletes_are_delivered(world: World) -> None:
    port = world.platform.gateway.port
    chat = world.chat["id"]
    headers = {"Authorization": f"Bearer {world.teacher['access_token']}"}
    async with live(port, world.students[0], {chat: await last_seq(world)}) as student:
        await student.rest(0)
        sent = await say(world, world.teacher, "Опечатка")
        await student.messages(1)
        paths = {
            "message_edited": ("PATCH", {"text": "Без опечатки"}),
            "message_deleted": ("DELETE", None),
        }
        for frame_type, (method, body) in paths.items():
            response = await world.platform.http.request(
                method, f"/api/v1/chats/{chat}/messages/{sent['seq']}", headers=headers, json=body
            )
            assert response.status_code == 200, response.text
            frame = await student.until(frame_type)
            assert (frame["chat_id"], frame["message"]["seq"]) == (chat, sent["seq"])
        assert frame["message"]["deleted"]


async def test_live_a_non_member_is_refused_per_chat_and_gets_no_messages(world: World) -> None:
    port = world.platform.gateway.port
    chat = world.chat["id"]
    async with live(port, world.outsider, {chat: 0, "00000000-0000-0000-0000-000000000000": 0}) as outsider:
        errors = [await outsider.until("error"), await outsider.until("error")]
        assert {e["chat_id"] for e in errors} == {chat, "00000000-0000-0000-0000-000000000000"}
        assert {e["code"] for e in errors} <= {"not_found", "rule_refused"}
        await say(world, world.teacher, "Только для своих")
        assert [f for f in await outsider.rest() if f["type"] == "message"] == []
        assert world.platform.gateway.live.hub.followers(chat) == 0


async def test_live_a_bad_token_is_closed_with_4401(world: World) -> None:
    port = world.platform.gateway.port
    async with connect(ws_url(port)) as ws:
        await ws.send(json.dumps({"type": "auth", "token": "not-a-token"}))
        frame = json.loads(await asyncio.wait_for(ws.recv(), 2))
        assert (frame["type"], frame["code"]) == ("error", "unauthenticated")
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(ws.recv(), 2)
        assert ws.close_code == 4401
    async with connect(ws_url(port)) as ws:  # anything before auth
        await ws.send(json.dumps({"type": "subscribe", "chats": {world.chat["id"]: 0}}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 2))["code"] == "unauthenticated"
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(ws.recv(), 2)
        assert ws.close_code == 4401


async def test_live_malformed_frames_are_answered_and_the_socket_stays_open(world: World) -> None:
    async with live(world.platform.gateway.port, world.students[0]) as client:
        for bad in ("{", '{"type":"subscribe","chats":{"x":-1}}', '{"type":"dance"}'):
            await client.ws.send(bad)
            frame = await client.recv()
            assert (frame["type"], frame["code"]) == ("error", "invalid_argument")
        await client.send({"type": "ping"})
        assert await client.recv() == {"type": "pong"}
        # A refreshed token of the same person is fine; another person's closes the socket.
        await client.send({"type": "auth", "token": world.students[0]["access_token"]})
        assert (await client.recv())["type"] == "ready"
        await client.send({"type": "auth", "token": world.teacher["access_token"]})
        assert (await client.recv())["code"] == "permission_denied"
        with pytest.raises(ConnectionClosed):
            await client.recv()
        assert client.ws.close_code == 4403


async def test_live_two_gateways_see_each_others_messages_once(world: World, infra: Infra) -> None:
    platform = world.platform
    chat = world.chat["id"]
    assert platform.directory.grpc is not None
    assert platform.messaging.grpc is not None
    async with running_gateway(
        platform.identity_addr,
        platform.directory.grpc.address,
        platform.messaging.grpc.address,
        nats_url=infra.nats.url,
    ) as second:
        since = await last_seq(world)
        async with (
            live(platform.gateway.port, world.teacher, {chat: since}) as on_first,
            live(second.port, world.students[0], {chat: since}) as on_second,
            live(second.port, world.students[1], {chat: since}) as also_on_second,
        ):
            for client in (on_first, on_second, also_on_second):
                await client.rest(0)
            assert second.live.hub.chats == 1  # one NATS subscription for both sockets
            sent = [
                (await say(world, world.teacher, "С первого шлюза"))["seq"],
                (await say(world, world.students[0], "Со второго шлюза"))["seq"],
            ]
            for client in (on_first, on_second, also_on_second):
                got = await client.messages(2, within=1.0)
                got += [f for f in await client.rest() if f["type"] == "message"]
                assert [f["message"]["seq"] for f in got] == sent


async def test_live_a_student_who_leaves_is_removed_and_gets_no_more(world: World) -> None:
    platform = world.platform
    chat = world.chat["id"]
    leaving = world.students[2]
    async with live(platform.gateway.port, leaving, {chat: await last_seq(world)}) as student:
        await student.rest(0)
        ok(
            await platform.http.post(
                f"/api/v1/orgs/{world.org}/movements:leave",
                headers=world.admin,
                json={"user_id": leaving["user_id"]},
            )
        )
        assert await student.until("removed", within=5.0) == {"type": "removed", "chat_id": chat}
        await say(world, world.teacher, "После ухода")
        assert [f for f in await student.rest() if f["type"] == "message"] == []
        assert platform.gateway.live.hub.followers(chat) == 0
