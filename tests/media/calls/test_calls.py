"""Calls in a chat through the media service, every part real: identity, directory, messaging
(Chats.GetChatAccess), media over PostgreSQL and NATS, and the SFU process shell with the real
engine, called over gRPC with each person's own token; aiortc clients on 127.0.0.1 only.

R-MEDIA-1 (a call in every chat, no time limit, the last one out ends it), R-MEDIA-3 (only who may
read the chat now gets in; a blocked member listens), R-MOD-1 (moderators mute and remove), R-STAT-1
(CallEnded carries the call's and each participant's seconds)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import grpc
import nats
import pytest
import pytest_asyncio
from aiortc import RTCSessionDescription
from nats.aio.msg import Msg
from prometheus_client import REGISTRY

from parta.events.v1 import envelope_pb2
from parta.events.v1 import media_pb2 as events_pb2
from parta.media.v1 import (
    calls_pb2,
    calls_pb2_grpc,
    media_pb2,
    sfu_pb2_grpc,
    signalling_pb2,
    signalling_pb2_grpc,
)
from services.common.live import media_subject
from services.common.outbox import outbox
from services.devstack.embedded import free_port
from tests.support.chats import block, class_chat, join
from tests.support.http import bearer, ok
from tests.support.media_peers import close_all, loopback_peer, publisher_offer
from tests.support.platform import Infra, Platform, running_media
from tests.support.schools import ClassSchool
from tests.support.waiting import until

Tokens = dict[str, Any]


@dataclass
class Chat:
    school: ClassSchool
    other: ClassSchool
    teacher: Tokens  # made the chat: its moderator (R-MOD-1)
    students: list[Tokens]  # members
    outsider: Tokens  # a student of the class who has not joined the chat
    blocked: Tokens  # a member blocked in the chat (R-MOD-3)
    chat: dict[str, Any]

    @property
    def id(self) -> str:
        return str(self.chat["id"])


@pytest_asyncio.fixture(scope="module")
async def chat(platform: Platform) -> Chat:
    made = await class_chat(platform, 1313, "+79120131313", "+79120131414", "7Б", students=5)
    school, other, teacher = made.school, made.other, made.teacher
    *students, blocked, outsider = made.students
    for member in [*students, blocked]:
        await join(platform, made.chat, member)
    await block(platform, made.chat["id"], teacher, blocked, days=7)
    return Chat(school, other, teacher, students, outsider, blocked, made.chat)


# --- speaking to media as a person ----------------------------------------------------------------
def token(who: Tokens) -> tuple[tuple[str, str]]:
    return (("authorization", f"Bearer {who['access_token']}"),)


@pytest_asyncio.fixture(scope="module")
async def channel(platform: Platform) -> AsyncIterator[grpc.aio.Channel]:
    assert platform.media is not None
    assert platform.media.grpc is not None
    async with grpc.aio.insecure_channel(platform.media.grpc.address) as opened:
        yield opened


@pytest.fixture
def calls(channel: grpc.aio.Channel) -> calls_pb2_grpc.CallsStub:
    return calls_pb2_grpc.CallsStub(channel)


@pytest.fixture
def signalling(channel: grpc.aio.Channel) -> signalling_pb2_grpc.SignallingStub:
    return signalling_pb2_grpc.SignallingStub(channel)


async def join_call(calls: calls_pb2_grpc.CallsStub, chat: Chat, who: Tokens) -> calls_pb2.JoinCallResponse:
    reply: calls_pb2.JoinCallResponse = await calls.JoinCall(
        calls_pb2.JoinCallRequest(chat_id=chat.id), metadata=token(who)
    )
    return reply


async def leave_call(
    calls: calls_pb2_grpc.CallsStub, who: Tokens, joined: calls_pb2.JoinCallResponse
) -> bool:
    reply = await calls.LeaveCall(
        calls_pb2.SessionRequest(call_id=joined.call.id, session_id=joined.me.session_id), metadata=token(who)
    )
    return bool(reply.call_ended)


@asynccontextmanager
async def in_call(
    calls: calls_pb2_grpc.CallsStub, chat: Chat, *people: Tokens
) -> AsyncIterator[list[calls_pb2.JoinCallResponse]]:
    """These people join the chat's call in this order; at the end of the block the others leave
    (the call goes on) and then the first (the call ends)."""
    joined: list[calls_pb2.JoinCallResponse] = []
    try:
        for who in people:
            joined.append(await join_call(calls, chat, who))
        yield joined
    finally:
        for who, j in list(zip(people, joined, strict=False))[1:]:
            assert not await leave_call(calls, who, j)
        if joined:
            assert await leave_call(calls, people[0], joined[0])


def rule_of(error: grpc.aio.AioRpcError) -> str | None:
    return next((str(value) for key, value in error.trailing_metadata() or () if key == "parta-rule"), None)


# --- listening on NATS ----------------------------------------------------------------------------
@dataclass
class Heard:
    """What arrived on NATS subjects since the listener started."""

    messages: list[Msg] = field(default_factory=list)

    def live(self, user_id: str) -> list[media_pb2.LiveCallEvent]:
        events = []
        for message in self.messages:
            if message.subject == media_subject(user_id):
                event = media_pb2.LiveCallEvent()
                event.ParseFromString(message.data)
                events.append(event)
        return events

    def events(self, event_type: str, payload: Any) -> list[Any]:
        found = []
        for message in self.messages:
            if message.subject == "parta." + event_type:
                envelope = envelope_pb2.EventEnvelope()
                envelope.ParseFromString(message.data)
                event = type(payload)()
                envelope.payload.Unpack(event)
                found.append(event)
        return found


@pytest_asyncio.fixture
async def heard(infra: Infra) -> AsyncIterator[Heard]:
    client = await nats.connect(infra.nats.url)
    found = Heard()

    async def keep(message: Msg) -> None:
        found.messages.append(message)

    await client.subscribe("parta.live.media.>", cb=keep)
    await client.subscribe("parta.media.call.>", cb=keep)
    await client.flush()
    try:
        yield found
    finally:
        await client.close()


# --- the tests ------------------------------------------------------------------------------------
async def test_first_join_starts_the_call_and_the_last_leave_ends_it_with_each_ones_seconds(
    calls: calls_pb2_grpc.CallsStub, chat: Chat, heard: Heard
) -> None:
    """R-MEDIA-1: the first join starts the call, the last leave ends it; R-STAT-1: CallEnded says
    how long, and for how long each participant was in it."""
    teacher, student = chat.teacher, chat.students[0]
    ended_before = REGISTRY.get_sample_value("parta_media_calls_ended_total") or 0.0
    first = await join_call(calls, chat, teacher)
    assert first.started
    assert first.call.chat_id == chat.id
    assert first.call.organisation_id == chat.school.id
    assert first.call.may_moderate
    assert first.me.may_publish
    second = await join_call(calls, chat, student)
    assert not second.started
    assert second.call.id == first.call.id
    assert not second.call.may_moderate
    assert {p.user_id for p in second.call.participants} == {teacher["user_id"], student["user_id"]}

    def teacher_sees_both() -> bool:
        lists = [e.participants for e in heard.live(teacher["user_id"]) if e.HasField("participants")]
        return bool(lists) and len(lists[-1].participants) == 2

    await until(teacher_sees_both, what="the teacher's page learning the student joined")
    in_progress = await calls.GetChatCall(
        calls_pb2.GetChatCallRequest(chat_id=chat.id), metadata=token(student)
    )
    assert in_progress.id == first.call.id
    assert not in_progress.HasField("ended_at")

    assert not await leave_call(calls, student, second)
    assert await leave_call(calls, teacher, first)
    assert REGISTRY.get_sample_value("parta_media_calls_ended_total") == ended_before + 1

    started = await until(
        lambda: heard.events("media.call.started", events_pb2.CallStarted()), what="call.started"
    )
    assert [(e.call_id, e.started_by) for e in started] == [(first.call.id, teacher["user_id"])]
    ended = await until(lambda: heard.events("media.call.ended", events_pb2.CallEnded()), what="call.ended")
    assert len(ended) == 1
    event = ended[0]
    assert (event.call_id, event.chat_id, event.organisation_id) == (first.call.id, chat.id, chat.school.id)
    assert sorted(event.participant_ids) == sorted([teacher["user_id"], student["user_id"]])
    span = event.ended_at.ToDatetime() - event.started_at.ToDatetime()
    assert event.duration_seconds == int(span.total_seconds())
    times = {t.user_id: t.seconds for t in event.participant_times}
    assert set(times) == set(event.participant_ids)
    assert all(0 <= seconds <= event.duration_seconds for seconds in times.values())
    with pytest.raises(grpc.aio.AioRpcError) as gone:
        await calls.GetChatCall(calls_pb2.GetChatCallRequest(chat_id=chat.id), metadata=token(student))
    assert gone.value.code() == grpc.StatusCode.NOT_FOUND


async def test_a_student_who_has_not_joined_the_chat_is_refused(
    calls: calls_pb2_grpc.CallsStub, chat: Chat
) -> None:
    """R-MEDIA-3: seeing the class chat is not being its member."""
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await join_call(calls, chat, chat.outsider)
    assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert rule_of(refused.value) == "R-MEDIA-3"


async def test_another_schools_member_learns_nothing(calls: calls_pb2_grpc.CallsStub, chat: Chat) -> None:
    """R-MEDIA-3 inside R-ORG-1: NOT_FOUND, as for a chat that does not exist — no call, no title."""
    stranger = chat.other.school.admin
    async with in_call(calls, chat, chat.teacher) as [teacher_in]:
        for attempt in (
            calls.JoinCall(calls_pb2.JoinCallRequest(chat_id=chat.id), metadata=token(stranger)),
            calls.GetChatCall(calls_pb2.GetChatCallRequest(chat_id=chat.id), metadata=token(stranger)),
        ):
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await attempt
            assert refused.value.code() == grpc.StatusCode.NOT_FOUND
            assert rule_of(refused.value) == "R-MEDIA-3"
            assert teacher_in.call.id not in (refused.value.details() or "")
            assert chat.chat["title"] not in (refused.value.details() or "")
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await calls.MuteParticipant(
                calls_pb2.MuteParticipantRequest(
                    call_id=teacher_in.call.id,
                    user_id=chat.teacher["user_id"],
                    source=media_pb2.TRACK_SOURCE_MICROPHONE,
                ),
                metadata=token(stranger),
            )
        assert refused.value.code() == grpc.StatusCode.NOT_FOUND


async def test_blocked_member_listens_but_does_not_publish(
    calls: calls_pb2_grpc.CallsStub, signalling: signalling_pb2_grpc.SignallingStub, chat: Chat
) -> None:
    """R-MEDIA-3 with R-MOD-3: in, listen-only — no microphone, and the SFU takes no publisher offer."""
    pc = loopback_peer()
    async with in_call(calls, chat, chat.blocked) as [listener]:
        try:
            assert not listener.me.may_publish
            assert not listener.call.may_publish
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await calls.UpdateMyState(
                    calls_pb2.UpdateMyStateRequest(
                        call_id=listener.call.id, session_id=listener.me.session_id, mic=True
                    ),
                    metadata=token(chat.blocked),
                )
            assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
            raised = await calls.UpdateMyState(
                calls_pb2.UpdateMyStateRequest(
                    call_id=listener.call.id, session_id=listener.me.session_id, hand_raised=True
                ),
                metadata=token(chat.blocked),
            )
            assert raised.state.hand_raised
            assert not raised.state.mic
            sdp, tracks = await publisher_offer(pc)
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await signalling.Negotiate(
                    signalling_pb2.NegotiateRequest(
                        call_id=listener.call.id,
                        session_id=listener.me.session_id,
                        role=media_pb2.PEER_ROLE_PUBLISHER,
                        description=media_pb2.SessionDescription(type="offer", sdp=sdp),
                        tracks=tracks,
                    ),
                    metadata=token(chat.blocked),
                )
            assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
        finally:
            await close_all([pc])


def mutes_counted(source: str) -> float:
    return REGISTRY.get_sample_value("parta_sfu_moderator_mutes_total", {"source": source}) or 0.0


async def test_moderators_mute_reaches_the_sfu_and_the_muted_persons_pages(
    calls: calls_pb2_grpc.CallsStub, chat: Chat, heard: Heard
) -> None:
    """R-MOD-1: the chat's moderator turns a participant's microphone off: the SFU stops forwarding
    it, and the person's pages are told who did it; a plain member may not."""
    teacher, student, peer = chat.teacher, chat.students[0], chat.students[1]
    async with in_call(calls, chat, teacher, student, peer) as [_, student_in, _]:
        await calls.UpdateMyState(
            calls_pb2.UpdateMyStateRequest(
                call_id=student_in.call.id, session_id=student_in.me.session_id, mic=True, camera=True
            ),
            metadata=token(student),
        )
        mute = calls_pb2.MuteParticipantRequest(
            call_id=student_in.call.id, user_id=student["user_id"], source=media_pb2.TRACK_SOURCE_MICROPHONE
        )
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await calls.MuteParticipant(mute, metadata=token(peer))
        assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED

        before = mutes_counted("microphone")
        after = await calls.MuteParticipant(mute, metadata=token(teacher))
        assert mutes_counted("microphone") == before + 1  # the SFU process stopped forwarding it
        muted_state = next(p.state for p in after.participants if p.user_id == student["user_id"])
        assert (muted_state.mic, muted_state.camera) == (False, True)

        def told() -> list[media_pb2.LiveCallEvent]:
            return [e for e in heard.live(student["user_id"]) if e.HasField("muted")]

        event = (await until(told, what="the muted student's page being told"))[0]
        assert event.session_id == student_in.me.session_id
        assert event.muted.source == media_pb2.TRACK_SOURCE_MICROPHONE
        assert event.muted.by_user_id == teacher["user_id"]
        assert not [e for e in heard.live(peer["user_id"]) if e.HasField("muted")]


async def test_a_removed_participant_is_told_and_the_others_see_them_gone(
    calls: calls_pb2_grpc.CallsStub, chat: Chat, heard: Heard
) -> None:
    """R-MOD-1: a moderator removes someone from the call (every device of theirs)."""
    teacher, student = chat.teacher, chat.students[2]
    moderator_in = await join_call(calls, chat, teacher)
    laptop = await join_call(calls, chat, student)
    phone = await join_call(calls, chat, student)
    try:
        after = await calls.RemoveParticipant(
            calls_pb2.RemoveParticipantRequest(call_id=laptop.call.id, user_id=student["user_id"]),
            metadata=token(teacher),
        )
        assert [p.user_id for p in after.participants] == [teacher["user_id"]]

        def closed() -> set[str]:
            return {
                e.session_id
                for e in heard.live(student["user_id"])
                if e.HasField("closed") and e.closed.reason == media_pb2.LEFT_REASON_REMOVED
            }

        await until(lambda: closed() == {laptop.me.session_id, phone.me.session_id}, what="both devices told")
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await leave_call(calls, student, phone)
        assert refused.value.code() == grpc.StatusCode.NOT_FOUND
    finally:
        assert await leave_call(calls, teacher, moderator_in)


async def test_concurrent_first_joins_make_one_call(calls: calls_pb2_grpc.CallsStub, chat: Chat) -> None:
    """One call in progress per chat: first joins at the same moment all land in the same call."""
    people = [chat.teacher, *chat.students, chat.teacher]
    joined = await asyncio.gather(*(join_call(calls, chat, who) for who in people))
    try:
        assert len({j.call.id for j in joined}) == 1
        assert sum(j.started for j in joined) == 1
    finally:
        ended = [await leave_call(calls, who, j) for who, j in zip(people, joined, strict=True)]
        assert ended == [False] * (len(people) - 1) + [True]


async def test_a_publisher_offer_from_aiortc_gets_an_answer_through_signalling(
    calls: calls_pb2_grpc.CallsStub, signalling: signalling_pb2_grpc.SignallingStub, chat: Chat
) -> None:
    """Signalling passes the caller's own session's offer to the SFU and its answer back; someone
    else's session is not theirs to signal for."""
    teacher, student = chat.teacher, chat.students[0]
    pc = loopback_peer()
    async with in_call(calls, chat, teacher, student) as [publisher_in, viewer_in]:
        try:
            sdp, tracks = await publisher_offer(pc)
            offer = signalling_pb2.NegotiateRequest(
                call_id=publisher_in.call.id,
                session_id=publisher_in.me.session_id,
                role=media_pb2.PEER_ROLE_PUBLISHER,
                description=media_pb2.SessionDescription(type="offer", sdp=sdp),
                tracks=tracks,
            )
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await signalling.Negotiate(offer, metadata=token(student))
            assert refused.value.code() == grpc.StatusCode.NOT_FOUND
            reply = await signalling.Negotiate(offer, metadata=token(teacher))
            assert reply.answer.type == "answer"
            assert "a=fingerprint" in reply.answer.sdp
            await pc.setRemoteDescription(RTCSessionDescription(sdp=reply.answer.sdp, type="answer"))
            subscriber = await signalling.Subscribe(
                signalling_pb2.SessionRef(call_id=viewer_in.call.id, session_id=viewer_in.me.session_id),
                metadata=token(student),
            )
            assert subscriber.description.type == "offer"
        finally:
            await close_all([pc])


async def test_a_session_the_sfu_closes_leaves_the_call_disconnected(
    platform: Platform, calls: calls_pb2_grpc.CallsStub, chat: Chat, heard: Heard
) -> None:
    """WatchSessions: a session whose media connection the SFU closed leaves with DISCONNECTED."""
    teacher, student = chat.teacher, chat.students[1]
    staying = await join_call(calls, chat, teacher)
    dropping = await join_call(calls, chat, student)
    assert platform.sfu is not None
    assert platform.sfu.grpc is not None
    try:
        async with grpc.aio.insecure_channel(platform.sfu.grpc.address) as sfu_channel:
            await sfu_pb2_grpc.SfuStub(sfu_channel).CloseSession(
                signalling_pb2.SessionRef(call_id=dropping.call.id, session_id=dropping.me.session_id)
            )

        def told() -> bool:
            return any(
                e.HasField("closed") and e.closed.reason == media_pb2.LEFT_REASON_DISCONNECTED
                for e in heard.live(student["user_id"])
            )

        await until(told, what="the dropped student's page told DISCONNECTED")
        now = await calls.GetChatCall(calls_pb2.GetChatCallRequest(chat_id=chat.id), metadata=token(teacher))
        assert [p.session_id for p in now.participants] == [staying.me.session_id]
    finally:
        assert await leave_call(calls, teacher, staying)


async def test_a_join_the_sfu_does_not_take_is_refused_and_leaves_nothing_behind(
    platform: Platform, infra: Infra, chat: Chat
) -> None:
    """The SFU does not answer: UNAVAILABLE, and no call, no session, no event (no phantom call in
    the statistics of R-STAT-1)."""
    name = "t_media_no_sfu_" + uuid.uuid4().hex[:6]
    database = infra.postgres.create_database(name)
    assert platform.messaging.grpc is not None
    nowhere = f"127.0.0.1:{free_port()}"
    try:
        async with (
            running_media(
                database, infra.nats.url, platform.identity_addr, platform.messaging.grpc.address, nowhere
            ) as lonely,
        ):
            assert lonely.grpc is not None
            opened = grpc.aio.insecure_channel(lonely.grpc.address)
            stub = calls_pb2_grpc.CallsStub(opened)
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await join_call(stub, chat, chat.teacher)
            assert refused.value.code() == grpc.StatusCode.UNAVAILABLE
            with pytest.raises(grpc.aio.AioRpcError) as none:
                await stub.GetChatCall(
                    calls_pb2.GetChatCallRequest(chat_id=chat.id), metadata=token(chat.teacher)
                )
            assert none.value.code() == grpc.StatusCode.NOT_FOUND
            async with lonely.runtime.db.read("test_outbox") as conn:
                staged = (await conn.execute(outbox.select())).all()
            assert staged == []
            await opened.close()
    finally:
        infra.postgres.drop_database(name)


# --- the chat changes under a call (kept last: they change who is in the chat) --------------------
async def test_a_member_blocked_mid_call_becomes_listen_only(
    platform: Platform, calls: calls_pb2_grpc.CallsStub, chat: Chat, heard: Heard
) -> None:
    """R-MOD-3 mid-call: the block silences what they send and they keep listening."""
    teacher, student = chat.teacher, chat.students[1]
    async with in_call(calls, chat, teacher, student) as [_, student_in]:
        await calls.UpdateMyState(
            calls_pb2.UpdateMyStateRequest(
                call_id=student_in.call.id, session_id=student_in.me.session_id, mic=True
            ),
            metadata=token(student),
        )
        await block(platform, chat.id, teacher, student, days=1)

        async def listening_only() -> media_pb2.Participant | None:
            now = await calls.GetChatCall(
                calls_pb2.GetChatCallRequest(chat_id=chat.id), metadata=token(teacher)
            )
            mine = next(p for p in now.participants if p.user_id == student["user_id"])
            return mine if not mine.may_publish else None

        mine = await until(listening_only, what="the blocked student's session turning listen-only")
        assert not mine.state.mic
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await calls.UpdateMyState(
                calls_pb2.UpdateMyStateRequest(
                    call_id=student_in.call.id, session_id=student_in.me.session_id, mic=True
                ),
                metadata=token(student),
            )
        assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_a_member_removed_from_the_chat_loses_the_call(
    platform: Platform, calls: calls_pb2_grpc.CallsStub, chat: Chat, heard: Heard
) -> None:
    """R-MEDIA-3: a call follows who may read the chat now — removed from the chat, out of its call."""
    teacher, student = chat.teacher, chat.students[2]
    moderator_in = await join_call(calls, chat, teacher)
    student_in = await join_call(calls, chat, student)
    try:
        body = {"rule": 2, "reason": "Систематические нарушения"}
        ok(
            await platform.http.post(
                f"/api/v1/chats/{chat.id}/members/{student['user_id']}:remove",
                headers=bearer(teacher),
                json=body,
            )
        )

        def told() -> bool:
            return any(
                e.session_id == student_in.me.session_id
                and e.HasField("closed")
                and e.closed.reason == media_pb2.LEFT_REASON_ACCESS_LOST
                for e in heard.live(student["user_id"])
            )

        await until(told, what="the removed student's page told ACCESS_LOST")
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await join_call(calls, chat, student)
        assert refused.value.code() in (grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.NOT_FOUND)
        assert rule_of(refused.value) == "R-MEDIA-3"
    finally:
        assert await leave_call(calls, teacher, moderator_in)


async def test_a_lost_connection_leaves_after_the_grace_and_a_reconnect_within_it_keeps_the_session(
    platform: Platform, infra: Infra, chat: Chat, heard: Heard
) -> None:
    """The SFU reports a session's media connection LOST: a client that comes back with a new peer
    connection for the same session within the grace keeps its place; one that does not leaves,
    DISCONNECTED. (A media instance of its own, with a short grace, on the platform's SFU.)"""
    assert platform.sfu is not None
    assert platform.sfu.grpc is not None
    assert platform.messaging.grpc is not None
    name = "t_media_grace_" + uuid.uuid4().hex[:6]
    database = infra.postgres.create_database(name)
    peers = []
    try:
        async with running_media(
            database,
            infra.nats.url,
            platform.identity_addr,
            platform.messaging.grpc.address,
            platform.sfu.grpc.address,
            session_grace_seconds=4.0,
        ) as graceful:
            assert graceful.grpc is not None
            opened = grpc.aio.insecure_channel(graceful.grpc.address)
            stub, signals = calls_pb2_grpc.CallsStub(opened), signalling_pb2_grpc.SignallingStub(opened)
            teacher, student = chat.teacher, chat.students[0]
            staying = await join_call(stub, chat, teacher)
            roaming = await join_call(stub, chat, student)
            session = roaming.me.session_id

            def connection() -> str:
                assert platform.sfu is not None
                return next(
                    (c.value for _, s, _, c in platform.sfu.engine.sessions() if s == session), "gone"
                )

            async def publish() -> None:
                pc = loopback_peer()
                peers.append(pc)
                sdp, tracks = await publisher_offer(pc)
                reply = await signals.Negotiate(
                    signalling_pb2.NegotiateRequest(
                        call_id=roaming.call.id,
                        session_id=session,
                        role=media_pb2.PEER_ROLE_PUBLISHER,
                        description=media_pb2.SessionDescription(type="offer", sdp=sdp),
                        tracks=tracks,
                    ),
                    metadata=token(student),
                )
                await pc.setRemoteDescription(RTCSessionDescription(sdp=reply.answer.sdp, type="answer"))
                await until(lambda: connection() == "connected", what="the publisher connection up")

            await publish()
            await peers[-1].close()  # the network goes away
            await until(lambda: connection() == "lost", what="the SFU seeing the connection lost")
            await publish()  # back within the grace: a new peer connection, the same session
            watch = graceful.connections
            assert watch is not None
            await until(
                lambda: session not in watch.waiting, what="the grace timer cancelled by the reconnect"
            )

            await peers[-1].close()
            await until(lambda: connection() == "lost", what="the connection lost again")

            def told() -> bool:
                return any(
                    e.session_id == session
                    and e.HasField("closed")
                    and e.closed.reason == media_pb2.LEFT_REASON_DISCONNECTED
                    for e in heard.live(student["user_id"])
                )

            await until(told, within=15, what="the lost session leaving after the grace")
            now = await stub.GetChatCall(
                calls_pb2.GetChatCallRequest(chat_id=chat.id), metadata=token(teacher)
            )
            assert [p.session_id for p in now.participants] == [staying.me.session_id]
            assert await leave_call(stub, teacher, staying)
            await opened.close()
    finally:
        await close_all(peers)
        infra.postgres.drop_database(name)
