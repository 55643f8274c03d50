"""Broadcasts through the gateway's HTTP and media's gRPC, every part real: identity, directory
(Members.CheckMembership resolves the audience), messaging, media over PostgreSQL and NATS, and the SFU
process with the real engine; aiortc clients on 127.0.0.1 only.

R-MEDIA-2: the administrator plans (title, time, presenters, audience); the audience joins as viewers
who cannot publish, the presenters publish; viewers ask questions the presenters see and hide.
R-MEDIA-3: someone outside the audience is refused (403, rule R-MEDIA-2); another school's person
gets 404."""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
import nats
import pytest
import pytest_asyncio
from aiortc import MediaStreamTrack, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError
from nats.aio.msg import Msg

from parta.directory.v1 import membership_pb2_grpc
from parta.events.v1 import envelope_pb2
from parta.events.v1 import media_pb2 as events_pb2
from parta.media.v1 import media_pb2, signalling_pb2, signalling_pb2_grpc
from services.common.auth import Principal
from services.common.live import user_subject
from services.common.outbox import outbox
from services.media.broadcasts.directory import DirectoryMembership
from services.media.broadcasts.notices import BroadcastNotices
from services.media.broadcasts.store import BroadcastStore
from services.media.calls.store import CallStore
from tests.support.http import bearer, ok
from tests.support.media_peers import close_all, confine, loopback_peer, publisher_offer
from tests.support.platform import Infra, Platform
from tests.support.schools import ClassSchool, class_school, operator_tokens
from tests.support.waiting import until

Tokens = dict[str, Any]


@dataclass
class School:
    school: ClassSchool
    other: ClassSchool
    presenter: Tokens  # a teacher
    teacher: Tokens  # another teacher, not a presenter, not in the audience
    student_5a: Tokens
    student_6b: Tokens
    parent_5a: Tokens


@pytest_asyncio.fixture(scope="module")
async def school(platform: Platform) -> School:
    operator = await operator_tokens(platform, "+79120141400")
    made = await class_school(platform, operator, 1414, "+79120141401", ["5А", "6Б"])
    other = await class_school(platform, operator, 1415, "+79120141501", ["5А"])
    presenter = await made.member("teacher")
    teacher = await made.member("teacher")
    student_5a = await made.member("student", "5А")
    student_6b = await made.member("student", "6Б")
    parent_5a = await made.member("parent", "5А")
    await made.link_parent(parent_5a, student_5a)
    return School(made, other, presenter, teacher, student_5a, student_6b, parent_5a)


async def plan(platform: Platform, school: School, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Линейка к Новому году",
        "starts_at": (datetime.now(UTC) + timedelta(minutes=5)).isoformat(),
        "presenter_ids": [school.presenter["user_id"]],
        "audience": {"class_ids": [school.school.classes["5А"]], "students": True, "parents": True},
    }
    body.update(overrides)
    response = await platform.http.post(
        f"/api/v1/orgs/{school.school.id}/broadcasts", headers=school.school.admin, json=body
    )
    return dict(ok(response, 201))


@pytest_asyncio.fixture(scope="module")
async def broadcast(platform: Platform, school: School) -> dict[str, Any]:
    return await plan(platform, school)


async def join(platform: Platform, broadcast: dict[str, Any], who: Tokens) -> Any:
    return await platform.http.post(f"/api/v1/broadcasts/{broadcast['id']}/join", headers=bearer(who))


async def leave(platform: Platform, joined: dict[str, Any], who: Tokens) -> None:
    call, me = joined["call"]["id"], joined["me"]["session_id"]
    ok(await platform.http.post(f"/api/v1/calls/{call}/sessions/{me}/leave", headers=bearer(who)))


def listed(response: Any) -> list[str]:
    return [b["id"] for b in ok(response)["broadcasts"]]


async def test_only_the_administrator_plans_a_broadcast(platform: Platform, school: School) -> None:
    """R-MEDIA-2: planned by the administrator; a teacher is refused."""
    response = await platform.http.post(
        f"/api/v1/orgs/{school.school.id}/broadcasts",
        headers=bearer(school.teacher),
        json={
            "title": "Моя трансляция",
            "starts_at": datetime.now(UTC).isoformat(),
            "presenter_ids": [school.teacher["user_id"]],
            "audience": {"whole_school": True},
        },
    )
    assert response.status_code == 403, response.text
    assert response.json()["error"]["rule"] == "R-MEDIA-2"


async def test_a_plan_without_an_audience_is_refused_at_its_field(platform: Platform, school: School) -> None:
    response = await platform.http.post(
        f"/api/v1/orgs/{school.school.id}/broadcasts",
        headers=school.school.admin,
        json={
            "title": "Без зрителей",
            "starts_at": datetime.now(UTC).isoformat(),
            "presenter_ids": [school.presenter["user_id"]],
            "audience": {},
        },
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"]["field"] == "audience"


async def test_the_audience_and_the_presenter_see_it_others_do_not(
    platform: Platform, school: School, broadcast: dict[str, Any]
) -> None:
    """The chosen class's students and their parents, and the presenter, have it in their list."""
    url = f"/api/v1/orgs/{school.school.id}/broadcasts"
    for who in [school.student_5a, school.parent_5a, school.presenter, school.school.school.admin]:
        assert broadcast["id"] in listed(await platform.http.get(url, headers=bearer(who)))
    for who in [school.student_6b, school.teacher]:
        assert broadcast["id"] not in listed(await platform.http.get(url, headers=bearer(who)))
    mine = ok(
        await platform.http.get(f"/api/v1/broadcasts/{broadcast['id']}", headers=bearer(school.presenter))
    )
    assert mine["i_present"]
    assert not mine["may_manage"]
    assert mine["status"] == "planned"


async def test_someone_outside_the_audience_is_refused_with_r_media_2(
    platform: Platform, school: School, broadcast: dict[str, Any]
) -> None:
    """R-MEDIA-3 for a broadcast: a 6Б student is in the school but not in the audience."""
    for response in [
        await platform.http.get(f"/api/v1/broadcasts/{broadcast['id']}", headers=bearer(school.student_6b)),
        await join(platform, broadcast, school.student_6b),
        await platform.http.post(
            f"/api/v1/broadcasts/{broadcast['id']}/questions",
            headers=bearer(school.student_6b),
            json={"text": "А мне можно?"},
        ),
    ]:
        assert response.status_code == 403, response.text
        assert response.json()["error"]["rule"] == "R-MEDIA-2"


async def test_another_schools_member_gets_404(
    platform: Platform, school: School, broadcast: dict[str, Any]
) -> None:
    stranger = school.other.school.admin
    assert (
        await platform.http.get(f"/api/v1/broadcasts/{broadcast['id']}", headers=bearer(stranger))
    ).status_code == 404
    assert (await join(platform, broadcast, stranger)).status_code == 404
    response = await platform.http.get(
        f"/api/v1/orgs/{school.school.id}/broadcasts", headers=bearer(stranger)
    )
    assert response.status_code == 404


async def test_viewers_join_listen_only_and_the_presenter_publishes(
    platform: Platform, school: School, broadcast: dict[str, Any]
) -> None:
    """R-MEDIA-2: the presenter's session may publish; a viewer's may not, and the SFU refuses its
    publisher offer, as for a blocked member's session."""
    assert platform.media is not None
    assert platform.media.grpc is not None
    presenter = ok(await join(platform, broadcast, school.presenter))
    viewer = ok(await join(platform, broadcast, school.student_5a))
    parent = ok(await join(platform, broadcast, school.parent_5a))
    pc = loopback_peer()
    try:
        assert presenter["call"]["may_publish"]
        assert presenter["me"]["may_publish"]
        assert presenter["call"]["broadcast_id"] == broadcast["id"]
        assert presenter["call"]["chat_id"] == ""
        assert viewer["call"]["id"] == presenter["call"]["id"] == parent["call"]["id"]
        for joined in [viewer, parent]:
            assert not joined["call"]["may_publish"]
            assert not joined["me"]["may_publish"]
        camera = await platform.http.patch(
            f"/api/v1/calls/{viewer['call']['id']}/sessions/{viewer['me']['session_id']}",
            headers=bearer(school.student_5a),
            json={"camera": True},
        )
        assert camera.status_code == 403, camera.text
        async with grpc.aio.insecure_channel(platform.media.grpc.address) as channel:
            signalling = signalling_pb2_grpc.SignallingStub(channel)
            sdp, tracks = await publisher_offer(pc)
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await signalling.Negotiate(
                    signalling_pb2.NegotiateRequest(
                        call_id=viewer["call"]["id"],
                        session_id=viewer["me"]["session_id"],
                        role=media_pb2.PEER_ROLE_PUBLISHER,
                        description=media_pb2.SessionDescription(type="offer", sdp=sdp),
                        tracks=tracks,
                    ),
                    metadata=(("authorization", f"Bearer {school.student_5a['access_token']}"),),
                )
            assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
        live = ok(
            await platform.http.get(
                f"/api/v1/broadcasts/{broadcast['id']}", headers=bearer(school.student_5a)
            )
        )
        assert live["status"] == "live"
        assert live["call_id"] == presenter["call"]["id"]
        assert live["viewer_count"] == 3
    finally:
        await close_all([pc])
        await leave(platform, parent, school.parent_5a)
        await leave(platform, viewer, school.student_5a)
        await leave(platform, presenter, school.presenter)


async def test_the_broadcasts_call_events_name_the_broadcast_not_a_chat(
    platform: Platform, school: School
) -> None:
    """Decision 010: call.started carries broadcast_id and an empty chat_id (messaging, which shows
    calls in chats, skips it)."""
    broadcast = await plan(platform, school, title="События трансляции")
    joined = ok(await join(platform, broadcast, school.presenter))
    await leave(platform, joined, school.presenter)
    assert platform.media is not None
    async with platform.media.runtime.db.read("test_outbox") as conn:
        rows = (await conn.execute(outbox.select())).mappings().all()
    started = []
    for row in rows:
        envelope = envelope_pb2.EventEnvelope.FromString(row["payload"])
        if envelope.type == "media.call.started":
            event = events_pb2.CallStarted()
            envelope.payload.Unpack(event)
            if event.call_id == joined["call"]["id"]:
                started.append(event)
    assert [(e.broadcast_id, e.chat_id) for e in started] == [(broadcast["id"], "")]


async def test_viewers_ask_presenters_see_and_hide(
    platform: Platform, school: School, broadcast: dict[str, Any]
) -> None:
    """The viewers' questions go to the presenters; a viewer sees their own; a presenter hides one."""
    url = f"/api/v1/broadcasts/{broadcast['id']}/questions"
    asked = ok(
        await platform.http.post(url, headers=bearer(school.student_5a), json={"text": "Когда каникулы?"}),
        201,
    )
    other = ok(
        await platform.http.post(url, headers=bearer(school.parent_5a), json={"text": "Будет ли ёлка?"}), 201
    )
    seen = ok(await platform.http.get(url, headers=bearer(school.presenter)))["questions"]
    assert [q["text"] for q in seen][-2:] == ["Когда каникулы?", "Будет ли ёлка?"]
    own = ok(await platform.http.get(url, headers=bearer(school.student_5a)))["questions"]
    assert [q["id"] for q in own] == [asked["id"]]
    refused = await platform.http.post(f"{url}/{other['id']}/hide", headers=bearer(school.student_5a))
    assert refused.status_code == 403
    hidden = ok(await platform.http.post(f"{url}/{other['id']}/hide", headers=bearer(school.presenter)))
    assert hidden["hidden"]
    seen = ok(await platform.http.get(url, headers=bearer(school.presenter)))["questions"]
    assert other["id"] not in [q["id"] for q in seen]


async def test_a_cancelled_broadcast_leaves_the_lists_and_cannot_be_joined(
    platform: Platform, school: School
) -> None:
    broadcast = await plan(platform, school, title="Отменится")
    cancelled = ok(
        await platform.http.post(f"/api/v1/broadcasts/{broadcast['id']}/cancel", headers=school.school.admin)
    )
    assert cancelled["status"] == "cancelled"
    url = f"/api/v1/orgs/{school.school.id}/broadcasts"
    assert broadcast["id"] not in listed(await platform.http.get(url, headers=bearer(school.student_5a)))
    assert (await join(platform, broadcast, school.student_5a)).status_code == 409


async def test_a_broadcast_far_ahead_is_not_open_yet(platform: Platform, school: School) -> None:
    broadcast = await plan(
        platform, school, title="Завтра", starts_at=(datetime.now(UTC) + timedelta(days=1)).isoformat()
    )
    response = await join(platform, broadcast, school.presenter)
    assert response.status_code == 409, response.text
    assert response.json()["error"]["rule"] == "R-MEDIA-2"


def grpc_token(who: Tokens) -> tuple[tuple[str, str]]:
    return (("authorization", f"Bearer {who['access_token']}"),)


async def test_aiortc_viewers_receive_the_presenters_video_and_sound(
    platform: Platform, school: School, broadcast: dict[str, Any]
) -> None:
    """R-MEDIA-2 end to end at the RTP level: an aiortc presenter publishes through Signalling; two
    aiortc receive-only viewers (a student of 5А and a parent) subscribe and decode its frames. The
    broadcast's call is reachable as the room's call too (the page's catch-up asks it)."""
    assert platform.media is not None
    assert platform.media.grpc is not None
    presenter = ok(await join(platform, broadcast, school.presenter))
    viewers = [
        (who, ok(await join(platform, broadcast, who))) for who in (school.student_5a, school.parent_5a)
    ]
    call_id = presenter["call"]["id"]
    publisher_pc = loopback_peer()
    viewer_pcs = [loopback_peer() for _ in viewers]
    received: list[dict[str, int]] = [{"video": 0, "audio": 0} for _ in viewers]
    pulling: list[asyncio.Task[None]] = []
    try:
        room = ok(
            await platform.http.get(
                f"/api/v1/chats/{broadcast['id']}/call", headers=bearer(school.student_5a)
            )
        )
        assert room["id"] == call_id
        async with grpc.aio.insecure_channel(platform.media.grpc.address) as channel:
            signalling = signalling_pb2_grpc.SignallingStub(channel)
            sdp, tracks = await publisher_offer(publisher_pc)
            answer = await signalling.Negotiate(
                signalling_pb2.NegotiateRequest(
                    call_id=call_id,
                    session_id=presenter["me"]["session_id"],
                    role=media_pb2.PEER_ROLE_PUBLISHER,
                    description=media_pb2.SessionDescription(type="offer", sdp=sdp),
                    tracks=tracks,
                ),
                metadata=grpc_token(school.presenter),
            )
            await publisher_pc.setRemoteDescription(
                RTCSessionDescription(sdp=answer.answer.sdp, type="answer")
            )
            await until(lambda: publisher_pc.connectionState == "connected", what="the presenter connected")

            for index, ((who, joined), pc) in enumerate(zip(viewers, viewer_pcs, strict=True)):
                counts = received[index]

                def counting(track: MediaStreamTrack, counts: dict[str, int] = counts) -> None:
                    async def pull() -> None:
                        while True:
                            try:
                                await track.recv()
                            except MediaStreamError:
                                return
                            counts[track.kind] += 1

                    pulling.append(asyncio.ensure_future(pull()))

                pc.on("track", counting)
                offer = await signalling.Subscribe(
                    signalling_pb2.SessionRef(call_id=call_id, session_id=joined["me"]["session_id"]),
                    metadata=grpc_token(who),
                )
                assert {t.user_id for t in offer.tracks} == {school.presenter["user_id"]}
                await pc.setRemoteDescription(RTCSessionDescription(sdp=offer.description.sdp, type="offer"))
                confine(pc)
                await pc.setLocalDescription(await pc.createAnswer())
                await signalling.Negotiate(
                    signalling_pb2.NegotiateRequest(
                        call_id=call_id,
                        session_id=joined["me"]["session_id"],
                        role=media_pb2.PEER_ROLE_SUBSCRIBER,
                        description=media_pb2.SessionDescription(type="answer", sdp=pc.localDescription.sdp),
                    ),
                    metadata=grpc_token(who),
                )
            await until(
                lambda: all(c["video"] >= 5 and c["audio"] >= 5 for c in received),
                within=30,
                what="both viewers decode the presenter's video and sound",
            )
    finally:
        await close_all([publisher_pc, *viewer_pcs])
        for task in pulling:
            task.cancel()
        for who, joined in viewers:
            await leave(platform, joined, who)
        await leave(platform, presenter, school.presenter)


async def test_the_audience_and_the_presenters_are_told_live_when_it_is_planned(
    platform: Platform, infra: Infra, school: School
) -> None:
    """The notice (decision 010): resolved against directory with the administrator's token — the
    chosen class's students and parents and the presenter, not another class's student, not a teacher
    outside the audience, not the planner — each told on `parta.live.user.<id>` as a `notice`."""
    assert platform.media is not None
    assert platform.media.broadcasts is not None
    people = {
        "presenter": school.presenter,
        "student_5a": school.student_5a,
        "parent_5a": school.parent_5a,
        "student_6b": school.student_6b,
        "teacher": school.teacher,
    }
    client = await nats.connect(infra.nats.url)
    heard: dict[str, list[dict[str, str]]] = {name: [] for name in people}
    try:
        for name, who in people.items():

            async def keep(message: Msg, name: str = name) -> None:
                heard[name].append(json.loads(message.data))

            await client.subscribe(user_subject(who["user_id"]), cb=keep)
        await client.flush()
        broadcast = await plan(platform, school, title="Собрание 5А")

        def told() -> bool:
            return all(
                any(n["id"] == broadcast["id"] for n in heard[name])
                for name in ("presenter", "student_5a", "parent_5a")
            )

        await until(told, what="the audience's pages told of the plan")
        notice = next(n for n in heard["student_5a"] if n["id"] == broadcast["id"])
        assert notice["type"] == "notice"
        assert notice["kind"] == "broadcast.planned"
        assert "Собрание 5А" in notice["text"]
    finally:
        await client.close()
    # Exactly who (the negative side without a wait): the resolution itself, against the real directory.
    admin = school.school.school.admin
    planner = Principal(admin["user_id"], admin["session_id"], 0, token=admin["access_token"])
    async with platform.media.runtime.db.read("test_broadcast") as conn:
        row = await BroadcastStore().get(conn, uuid.UUID(broadcast["id"]))
    assert platform.directory.grpc is not None
    async with grpc.aio.insecure_channel(platform.directory.grpc.address) as channel:
        lookup = DirectoryMembership(membership_pb2_grpc.MembersStub(channel))
        resolved = await BroadcastNotices(lambda: client, lookup).audience_of(planner, row)
    expected = [school.presenter, school.student_5a, school.parent_5a]
    assert sorted(resolved) == sorted(who["user_id"] for who in expected)


async def test_cancelled_while_live_its_call_ends_for_everyone(platform: Platform, school: School) -> None:
    """The administrator cancels a broadcast that is on: the presenter's and the viewers' sessions end
    (CALL_ENDED), no call is left in progress, and nobody gets back in."""
    broadcast = await plan(platform, school, title="Прервётся")
    presenter = ok(await join(platform, broadcast, school.presenter))
    viewer = ok(await join(platform, broadcast, school.student_5a))
    assert presenter["call"]["id"] == viewer["call"]["id"]
    ok(await platform.http.post(f"/api/v1/broadcasts/{broadcast['id']}/cancel", headers=school.school.admin))
    room = await platform.http.get(f"/api/v1/chats/{broadcast['id']}/call", headers=school.school.admin)
    assert room.status_code == 409  # the room is closed: cancelled (R-MEDIA-2)
    assert platform.media is not None
    async with platform.media.runtime.db.read("test_call_ended") as conn:
        call = await CallStore().get_call(conn, uuid.UUID(presenter["call"]["id"]))
    assert call is not None
    assert call.ended_at is not None
    left = await platform.http.post(
        f"/api/v1/calls/{viewer['call']['id']}/sessions/{viewer['me']['session_id']}/leave",
        headers=bearer(school.student_5a),
    )
    assert left.status_code == 404  # already out
    assert (await join(platform, broadcast, school.student_5a)).status_code == 409
