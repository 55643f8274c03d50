"""The SFU fleet (issue 14) with every part real: two or three `parta-sfu` processes started through
their entry point as subprocesses, registered in the session's NATS (a KV bucket of the test's own),
the media control plane placing calls on them over gRPC and PostgreSQL, the platform's identity and
messaging for who may join (R-MEDIA-3), and aiortc clients on 127.0.0.1 only.

Placement spreads new calls over the SERVING processes and keeps a call where it was placed; a
draining process keeps its call, takes no new one and exits once it holds none; at the drain
deadline, or when a process is killed with -9, its participants are moved to another process and
reconnect with no action of their own — media flows again (within 10 s of the kill)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from typing import Any

import grpc
import httpx
import nats
import pytest
import pytest_asyncio
from nats.aio.client import Client as NATS

from parta.media.v1 import calls_pb2, calls_pb2_grpc, fleet_pb2, sfu_pb2, sfu_pb2_grpc, signalling_pb2_grpc
from services.media.calls.store import CallStore
from services.media.main import MediaApp
from tests.support.chats import ClassChat, class_chat, join
from tests.support.media_peers import CallParticipant
from tests.support.platform import Infra, Platform, SfuChild, fleet_bucket, running_media, sfu_processes
from tests.support.waiting import until

Tokens = dict[str, Any]
HEARTBEAT = 0.5
TTL = 3.0


@dataclass
class Fleet:
    media: MediaApp
    processes: list[SfuChild]
    calls: calls_pb2_grpc.CallsStub
    signalling: signalling_pb2_grpc.SignallingStub
    nc: NATS

    def by_address(self, address: str) -> SfuChild:
        return next(p for p in self.processes if p.address == address)

    def registered(self) -> dict[str, fleet_pb2.SfuProcess]:
        assert self.media.fleet is not None
        return {p.address: p for p in self.media.fleet.processes()}

    async def address_of(self, call_id: str) -> str:
        async with self.media.runtime.db.read("test_call") as conn:
            call = await CallStore().get_call(conn, uuid.UUID(call_id))
        assert call is not None
        return str(call.sfu_address)


@asynccontextmanager
async def fleet_of(
    platform: Platform, infra: Infra, count: int, *, ttl: float = TTL, **sfu_settings: Any
) -> AsyncIterator[Fleet]:
    """`count` SFU processes and a media control plane of their fleet (its own database)."""
    assert platform.messaging.grpc is not None
    bucket = fleet_bucket()
    name = "t_fleet_" + uuid.uuid4().hex[:8]
    database = infra.postgres.create_database(name)
    try:
        async with (
            sfu_processes(
                infra.nats.url,
                bucket,
                count,
                sfu_heartbeat_seconds=HEARTBEAT,
                sfu_registry_ttl_seconds=ttl,
                **sfu_settings,
            ) as processes,
            running_media(
                database,
                infra.nats.url,
                platform.identity_addr,
                platform.messaging.grpc.address,
                "",
                sfu_fleet_bucket=bucket,
                sfu_heartbeat_seconds=HEARTBEAT,
                sfu_registry_ttl_seconds=ttl,
            ) as media,
        ):
            assert media.grpc is not None
            nc = await nats.connect(infra.nats.url)
            async with grpc.aio.insecure_channel(media.grpc.address) as channel:
                fleet = Fleet(
                    media,
                    processes,
                    calls_pb2_grpc.CallsStub(channel),
                    signalling_pb2_grpc.SignallingStub(channel),
                    nc,
                )
                everyone = {p.address for p in processes}
                await until(lambda: set(fleet.registered()) == everyone, what="every process registered")
                try:
                    yield fleet
                finally:
                    await nc.close()
    finally:
        infra.postgres.drop_database(name)


def token(who: Tokens) -> tuple[tuple[str, str]]:
    return (("authorization", f"Bearer {who['access_token']}"),)


async def join_call(fleet: Fleet, chat: ClassChat, who: Tokens) -> calls_pb2.JoinCallResponse:
    reply: calls_pb2.JoinCallResponse = await fleet.calls.JoinCall(
        calls_pb2.JoinCallRequest(chat_id=str(chat.chat["id"])), metadata=token(who)
    )
    return reply


async def leave_call(fleet: Fleet, who: Tokens, joined: calls_pb2.JoinCallResponse) -> None:
    await fleet.calls.LeaveCall(
        calls_pb2.SessionRequest(call_id=joined.call.id, session_id=joined.me.session_id), metadata=token(who)
    )


async def participant(fleet: Fleet, who: Tokens, joined: calls_pb2.JoinCallResponse) -> CallParticipant:
    person = CallParticipant(
        fleet.signalling,
        fleet.nc,
        who["access_token"],
        who["user_id"],
        joined.call.id,
        joined.me.session_id,
    )
    await person.start()
    return person


async def sfu_stub_call(address: str, request: sfu_pb2.OpenSessionRequest) -> None:
    async with grpc.aio.insecure_channel(address) as channel:
        await sfu_pb2_grpc.SfuStub(channel).OpenSession(request, timeout=5)


async def drain(address: str) -> None:
    async with grpc.aio.insecure_channel(address) as channel:
        await sfu_pb2_grpc.SfuStub(channel).Drain(sfu_pb2.DrainRequest(), timeout=5)


async def draining_metric(child: SfuChild) -> float | None:
    async with httpx.AsyncClient() as http:
        text = (await http.get(f"http://127.0.0.1:{child.metrics_port}/metrics")).text
    for line in text.splitlines():
        if line.startswith("parta_sfu_draining "):
            return float(line.split()[1])
    return None


@pytest_asyncio.fixture(scope="module")
async def chats(platform: Platform) -> list[ClassChat]:
    """Two class chats (two schools), each with its teacher and two students who joined it."""
    made = []
    for seed in (1401, 1403):
        chat = await class_chat(
            platform, seed, f"+7912{seed:04d}001", f"+7912{seed:04d}002", "5А", students=2
        )
        for student in chat.students:
            await join(platform, chat.chat, student)
        made.append(chat)
    return made


@asynccontextmanager
async def media_flowing(
    fleet: Fleet, chat: ClassChat
) -> AsyncIterator[tuple[CallParticipant, CallParticipant]]:
    """The chat's teacher publishes a microphone and a camera, a student receives them: video frames
    reach the student before the block starts. Both leave at its end."""
    teacher, student = chat.teacher, chat.students[0]
    teacher_in = await join_call(fleet, chat, teacher)
    student_in = await join_call(fleet, chat, student)
    speaker = await participant(fleet, teacher, teacher_in)
    listener = await participant(fleet, student, student_in)
    try:
        await speaker.publish()
        await listener.receive()
        await until(lambda: listener.frames >= 10, within=30, what="the teacher's video reaching the student")
        yield speaker, listener
        assert speaker.errors == []
        assert listener.errors == []
    finally:
        await speaker.close()
        await listener.close()
        for who, joined in ((student, student_in), (teacher, teacher_in)):
            with suppress(grpc.aio.AioRpcError):
                await leave_call(fleet, who, joined)


# --- placement --------------------------------------------------------------------------------
async def test_new_calls_are_spread_over_the_serving_processes_and_stay_where_placed(
    platform: Platform, infra: Infra, chats: list[ClassChat]
) -> None:
    first_chat, second_chat = chats
    async with fleet_of(platform, infra, 2) as fleet:
        first = await join_call(fleet, first_chat, first_chat.teacher)
        second = await join_call(fleet, second_chat, second_chat.teacher)
        placed = {await fleet.address_of(first.call.id), await fleet.address_of(second.call.id)}
        assert placed == {p.address for p in fleet.processes}, "each call on a process of its own"
        joining = await join_call(fleet, first_chat, first_chat.students[0])
        assert joining.call.id == first.call.id
        assert await fleet.address_of(first.call.id) in placed  # the call stays where it was placed
        await until(
            lambda: sorted(p.load.participants for p in fleet.registered().values()) == [1, 2],
            what="each process's load in the registry",
        )
        for who, joined in (
            (first_chat.students[0], joining),
            (first_chat.teacher, first),
            (second_chat.teacher, second),
        ):
            await leave_call(fleet, who, joined)


# --- drain ------------------------------------------------------------------------------------
async def test_a_draining_process_keeps_its_call_takes_no_new_one_and_exits_when_it_ends(
    platform: Platform, infra: Infra, chats: list[ClassChat]
) -> None:
    first_chat, second_chat = chats
    async with fleet_of(platform, infra, 2) as fleet:
        first = await join_call(fleet, first_chat, first_chat.teacher)
        holder = fleet.by_address(await fleet.address_of(first.call.id))
        other = next(p for p in fleet.processes if p is not holder)
        await drain(holder.address)
        await until(
            lambda: fleet.registered()[holder.address].state == fleet_pb2.SFU_STATE_DRAINING,
            what="the registry saying the process drains",
        )
        assert fleet.registered()[holder.address].HasField("drain_deadline")
        assert await draining_metric(holder) == 1.0
        assert await draining_metric(other) == 0.0

        joining = await join_call(fleet, first_chat, first_chat.students[0])  # its call: still admitted
        assert joining.call.id == first.call.id
        assert await fleet.address_of(first.call.id) == holder.address
        second = await join_call(fleet, second_chat, second_chat.teacher)  # a new call: elsewhere
        assert await fleet.address_of(second.call.id) == other.address
        with pytest.raises(grpc.aio.AioRpcError) as refused:  # even asked directly
            await sfu_stub_call(
                holder.address,
                sfu_pb2.OpenSessionRequest(
                    call_id=str(uuid.uuid4()), session_id=str(uuid.uuid4()), user_id=str(uuid.uuid4())
                ),
            )
        assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION

        await leave_call(fleet, first_chat.students[0], joining)
        assert holder.running, "a call still held: the process stays"
        await leave_call(fleet, first_chat.teacher, first)
        await until(lambda: not holder.running, what="the drained process exiting once its call ended")
        assert holder.popen.returncode == 0, holder.output()
        await until(lambda: holder.address not in fleet.registered(), what="its entry leaving the registry")
        await leave_call(fleet, second_chat.teacher, second)


async def test_at_the_drain_deadline_the_participants_move_and_media_flows_again(
    platform: Platform, infra: Infra, chats: list[ClassChat]
) -> None:
    """SIGTERM drains; its deadline (3 s here, 2 h by default) moves the call to the other process,
    the pages reconnect without anyone acting, and the drained process exits."""
    async with fleet_of(platform, infra, 2, sfu_drain_seconds=3) as fleet:
        chat = chats[0]
        async with media_flowing(fleet, chat) as (speaker, listener):
            call_id = speaker.call_id
            holder = fleet.by_address(await fleet.address_of(call_id))
            other = next(p for p in fleet.processes if p is not holder)
            holder.terminate()
            await until(
                lambda: listener.reconnects == ["drain"], within=20, what="the student told to reconnect"
            )
            assert speaker.reconnects == ["drain"]
            assert await fleet.address_of(call_id) == other.address
            await until(
                lambda: listener.frames >= 10, within=20, what="the video flowing again after the move"
            )
            await until(lambda: not holder.running, what="the drained process exiting")
            assert holder.popen.returncode == 0, holder.output()


# --- loss -------------------------------------------------------------------------------------
async def test_a_process_killed_with_minus_9_has_its_participants_back_on_another_within_10_s(
    platform: Platform, infra: Infra, chats: list[ClassChat]
) -> None:
    """With the registry's default TTL (10 s): the broken WatchSessions stream, confirmed by the
    missed heartbeats, finds the loss in time."""
    async with fleet_of(platform, infra, 3, ttl=10.0) as fleet:
        chat = chats[1]
        async with media_flowing(fleet, chat) as (speaker, listener):
            call_id = speaker.call_id
            holder = fleet.by_address(await fleet.address_of(call_id))
            holder.kill()
            await until(
                lambda: listener.reconnects == ["lost"] and listener.frames >= 10,
                within=10,
                what="the student back in the call with video from another process",
            )
            assert speaker.reconnects == ["lost"]
            moved_to = await fleet.address_of(call_id)
            assert moved_to != holder.address
            assert moved_to in {p.address for p in fleet.processes if p.running}
            assert holder.address not in fleet.registered()
