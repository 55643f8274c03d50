"""Calls on the live channel `/api/v1/ws` with identity, directory, messaging, NATS and the gateway
real: members following a chat see its call start, change and end (`chat_call`, R-MEDIA-1) from
media's events kept by messaging; a person's `parta.live.media.<id>` events reach only that person's
sockets as `call.*` frames; bad call frames and an unreachable media service are answered with an
`error` frame naming the request, never a closed socket."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import nats
import pytest_asyncio
from google.protobuf.message import Message
from nats.aio.client import Client as NATS

from parta.events.v1 import media_pb2 as events
from parta.media.v1 import media_pb2 as mpb
from services.common.events import make_envelope
from services.common.live import media_subject
from services.devstack.embedded import free_port
from tests.support.chats import create_chat, enrolled_students, join, school_with_class_teacher
from tests.support.live import Live, live
from tests.support.platform import Infra, Platform, running_gateway
from tests.support.waiting import until

Tokens = dict[str, Any]


@dataclass
class World:
    platform: Platform
    org: str
    teacher: Tokens
    students: list[Tokens]
    chat: dict[str, Any]
    nc: NATS

    async def media_event(self, event_type: str, payload: Message) -> None:
        """A media event on JetStream, as media's outbox relay publishes it."""
        envelope = make_envelope(event_type, payload, organisation_id=self.org)
        await self.nc.jetstream().publish(
            "parta." + envelope.type, envelope.SerializeToString(), headers={"Nats-Msg-Id": envelope.event_id}
        )

    async def live_call_event(self, user_id: str, event: mpb.LiveCallEvent) -> None:
        """What media or the SFU publishes for one person's pages."""
        await self.nc.publish(media_subject(user_id), event.SerializeToString())
        await self.nc.flush()


@pytest_asyncio.fixture(scope="module")
async def world(platform: Platform, infra: Infra) -> AsyncIterator[World]:
    setup = await school_with_class_teacher(platform, 1400, "+79120014000", "+79120014010", ["8Г"])
    students = await enrolled_students(platform, setup.school, "8Г", 2)
    chat = await create_chat(
        platform, setup.school.id, setup.teacher, kind="class", class_id=setup.school.classes["8Г"]
    )
    for student in students:
        await join(platform, chat, student)
    nc = await nats.connect(infra.nats.url)
    try:
        yield World(platform, setup.school.id, setup.teacher, students, chat, nc)
    finally:
        await nc.close()


async def chat_call(client: Live) -> dict[str, Any]:
    frame = await client.until("chat_call", within=10)
    return frame


async def test_r_media_1_members_following_the_chat_see_its_call_start_change_and_end(world: World) -> None:
    port, chat = world.platform.gateway.port, world.chat["id"]
    call_id = str(uuid.uuid4())
    async with (
        live(port, world.teacher, {chat: 0}) as teacher,
        live(port, world.students[0], {chat: 0}) as student,
    ):
        await teacher.rest(0)
        await student.rest(0)
        started = events.CallStarted(
            organisation_id=world.org, call_id=call_id, chat_id=chat, started_by=world.teacher["user_id"]
        )
        started.started_at.FromDatetime(datetime.now(UTC))
        await world.media_event("media.call.started", started)
        for client in (teacher, student):
            frame = await chat_call(client)
            assert frame["chat_id"] == chat
            assert (frame["call"]["id"], frame["call"]["participant_count"]) == (call_id, 1)

        await world.media_event(
            "media.call.participants",
            events.CallParticipantsChanged(
                organisation_id=world.org, call_id=call_id, chat_id=chat, participant_count=2
            ),
        )
        for client in (teacher, student):
            assert (await chat_call(client))["call"]["participant_count"] == 2

        await world.media_event(
            "media.call.ended", events.CallEnded(organisation_id=world.org, call_id=call_id, chat_id=chat)
        )
        for client in (teacher, student):
            assert await chat_call(client) == {"type": "chat_call", "chat_id": chat}


async def test_a_persons_call_events_reach_all_their_sockets_and_nobody_elses(world: World) -> None:
    port = world.platform.gateway.port
    first, second = world.students
    async with (
        live(port, first) as phone,
        live(port, first) as laptop,
        live(port, second) as other,
    ):
        # One NATS subscription per person on this gateway, however many sockets they have.
        calls = world.platform.gateway.live.calls
        await until(lambda: calls.people == 2, what="one media subscription for each of the two people")
        muted = mpb.LiveCallEvent(
            call_id="call-1",
            session_id="session-1",
            muted=mpb.Muted(source=mpb.TRACK_SOURCE_MICROPHONE, by_user_id=world.teacher["user_id"]),
        )
        await world.live_call_event(first["user_id"], muted)
        expected = {
            "type": "call.muted",
            "call_id": "call-1",
            "session_id": "session-1",
            "source": "microphone",
            "by_user_id": world.teacher["user_id"],
        }
        assert await phone.until("call.muted") == expected
        assert await laptop.until("call.muted") == expected
        closed = mpb.LiveCallEvent(
            call_id="call-1", session_id="session-1", closed=mpb.SessionClosed(reason=mpb.LEFT_REASON_REMOVED)
        )
        await world.live_call_event(first["user_id"], closed)
        assert (await phone.until("call.closed"))["reason"] == "removed"
        # The other student's socket got neither (its own events still reach it).
        assert not [f for f in await other.rest() if f["type"].startswith("call.")]
        await world.live_call_event(
            second["user_id"],
            mpb.LiveCallEvent(
                call_id="call-2", active_speaker=mpb.ActiveSpeaker(user_id="x", session_id="y")
            ),
        )
        assert (await other.until("call.speaker"))["speaker"] == {"user_id": "x", "session_id": "y"}


async def test_bad_call_frames_get_an_error_naming_the_request_and_the_socket_stays_open(
    world: World,
) -> None:
    async with live(world.platform.gateway.port, world.students[0]) as client:
        await client.send(
            {
                "type": "call.negotiate",
                "id": "req-7",
                "call_id": "c",
                "session_id": "s",
                "role": "publisher",
                "description": {"type": "answer", "sdp": "v=0"},
            }
        )
        error = await client.until("error")
        assert (error["id"], error["code"]) == ("req-7", "invalid_argument")
        await client.send({"type": "call.subscribe", "call_id": "c", "session_id": "s"})
        assert (await client.until("error"))["code"] == "invalid_argument"
        await client.send({"type": "call.visible", "id": "req-8", "call_id": "c", "session_id": "s"})
        assert (await client.until("error"))["id"] == "req-8"
        await client.send({"type": "ping"})
        assert await client.until("pong") == {"type": "pong"}


async def test_a_call_request_while_media_is_unreachable_is_refused_on_the_socket_not_closed(
    world: World,
) -> None:
    platform = world.platform
    assert platform.messaging.grpc is not None
    async with running_gateway(
        platform.identity_addr,
        platform.directory.grpc.address,
        platform.messaging.grpc.address,
        nats_url=platform.gateway.settings.nats_url,
        media_addr=f"127.0.0.1:{free_port()}",  # nothing listens there
        grpc_timeout_seconds=2,
    ) as gateway:
        async with live(gateway.port, world.students[0]) as client:
            await client.send({"type": "call.subscribe", "id": "req-1", "call_id": "c", "session_id": "s"})
            error = await client.until("error", within=10)
            assert (error["id"], error["code"]) == ("req-1", "unavailable")
            assert "недоступны" in error["message"]
            await client.send({"type": "ping"})
            assert await client.until("pong") == {"type": "pong"}
        response = await platform.http.post(
            f"http://127.0.0.1:{gateway.port}/api/v1/chats/{world.chat['id']}/call",
            headers={"Authorization": f"Bearer {world.students[0]['access_token']}"},
        )
        assert response.status_code == 503, response.text
        assert response.json()["error"]["code"] == "unavailable"
