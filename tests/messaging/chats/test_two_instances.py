"""Horizontal scale (issue 5): two messaging instances on one database and two gateways on one NATS.
Clients on different gateways, posting through different messaging instances at the same time, see
every message of the chat once and in order; the instances share the directory consumer's work, and
every event is handled exactly once between them."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest_asyncio
from sqlalchemy import func, select

from services.gateway.main import GatewayApp
from services.messaging.main import MessagingApp
from services.messaging.readmodel.tables import dir_classes
from tests.support.chats import appoint_class_teacher, create_chat, enrolled_students, join
from tests.support.http import bearer, ok
from tests.support.live import live
from tests.support.platform import Infra, Platform, running_gateway, running_messaging
from tests.support.schools import ClassSchool, class_school, operator_tokens
from tests.support.waiting import until

Tokens = dict[str, Any]
DIRECTORY_DURABLE = "messaging-directory"


@dataclass
class Pair:
    platform: Platform
    school: ClassSchool
    teacher: Tokens
    students: list[Tokens]
    chat: dict[str, Any]
    messaging2: MessagingApp
    gateway2: GatewayApp
    http2: httpx.AsyncClient


@pytest_asyncio.fixture(scope="module")
async def pair(platform: Platform, infra: Infra) -> AsyncIterator[Pair]:
    operator = await operator_tokens(platform, "+79990000810")
    school = await class_school(platform, operator, 810, "+79120081081", ["5А"])
    teacher = await appoint_class_teacher(platform, school, "5А")
    students = await enrolled_students(platform, school, "5А", 2)
    chat = await create_chat(platform, school.id, teacher, kind="class", class_id=school.classes["5А"])
    for student in students:
        await join(platform, chat, student)
    assert platform.directory.grpc is not None
    async with running_messaging(
        platform.messaging.settings.database_url,
        infra.nats.url,
        platform.identity_addr,
        platform.directory.grpc.address,
    ) as messaging2:
        assert messaging2.grpc is not None
        async with (
            running_gateway(
                platform.identity_addr,
                platform.directory.grpc.address,
                messaging2.grpc.address,
                nats_url=infra.nats.url,
            ) as gateway2,
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{gateway2.port}", timeout=10) as http2,
        ):
            yield Pair(platform, school, teacher, students, chat, messaging2, gateway2, http2)


def directory_handled(app: MessagingApp) -> int:
    return sum(c.handled for c in app.runtime.consumers if c.durable == DIRECTORY_DURABLE)


async def test_clients_on_two_gateways_and_two_instances_see_every_message_once_in_order(pair: Pair) -> None:
    platform, chat = pair.platform, pair.chat["id"]
    since = int(
        ok(await platform.http.get(f"/api/v1/chats/{chat}", headers=bearer(pair.teacher)))["last_seq"]
    )
    each = 10

    async def send(http: httpx.AsyncClient, tokens: Tokens, label: str) -> list[int]:
        seqs = []
        for n in range(each):
            response = await http.post(
                f"/api/v1/chats/{chat}/messages", headers=bearer(tokens), json={"text": f"{label} {n}"}
            )
            seqs.append(int(ok(response, 201)["seq"]))
        return seqs

    async with (
        live(platform.gateway.port, pair.teacher, {chat: since}) as on_first,
        live(pair.gateway2.port, pair.students[0], {chat: since}) as on_second,
        live(pair.gateway2.port, pair.students[1], {chat: since}) as also_on_second,
    ):
        clients = (on_first, on_second, also_on_second)
        for client in clients:
            await client.rest(0)
        first, second = await asyncio.gather(
            send(platform.http, pair.teacher, "через первый"),  # gateway 1 → messaging 1
            send(pair.http2, pair.students[0], "через второй"),  # gateway 2 → messaging 2
        )
        # One sequence for the chat across both instances: no gap, no number twice.
        assert sorted(first + second) == list(range(since + 1, since + 2 * each + 1))
        for client in clients:
            got = await client.messages(2 * each, within=2.0)
            got += [f for f in await client.rest() if f["type"] == "message"]
            assert [f["message"]["seq"] for f in got] == list(range(since + 1, since + 2 * each + 1))


async def test_two_instances_share_the_directory_consumer_and_handle_each_event_once(pair: Pair) -> None:
    platform, school = pair.platform, pair.school
    before = (directory_handled(platform.messaging), directory_handled(pair.messaging2))
    org = uuid.UUID(school.id)
    names = [f"{grade}{letter}" for grade in range(1, 11) for letter in "ВГ"]
    for name in names:
        await school.add_class(name)

    async def all_classes_known() -> bool:
        async with platform.messaging.runtime.db.read("test_classes") as conn:
            count = await conn.scalar(select(func.count()).where(dir_classes.c.organisation_id == org))
        return int(count or 0) >= len(names) + 2  # 5А and the staff room too

    await until(all_classes_known, what="messaging knew every new class")
    first = directory_handled(platform.messaging) - before[0]
    second = directory_handled(pair.messaging2) - before[1]
    assert first + second == len(names)
    assert first > 0, (first, second)
    assert second > 0, (first, second)
