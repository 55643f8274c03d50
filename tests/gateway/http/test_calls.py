"""Calls through the gateway, end to end (R-MEDIA-1, R-MEDIA-3): identity, directory, messaging,
media and its SFU process real, joined over HTTP, signalled over the live WebSocket by aiortc peers
confined to loopback (tests/support/media_peers.py: nothing is sent outside 127.0.0.0/8), the chat's
"call in progress" seen live by its members, a moderator's mute reaching the muted person's socket."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import pytest_asyncio
from aiortc import MediaStreamTrack, RTCPeerConnection, RTCSessionDescription

from tests.support.chats import class_chat, join
from tests.support.http import bearer, ok
from tests.support.live import Live, live
from tests.support.media_peers import close_all, confine, loopback_peer, publisher_offer
from tests.support.platform import Platform
from tests.support.schools import ClassSchool
from tests.support.waiting import until

Tokens = dict[str, Any]
CALL_KEYS = {
    "id",
    "organisation_id",
    "chat_id",
    "started_by",
    "started_at",
    "participants",
    "may_publish",
    "may_moderate",
    "broadcast_id",  # empty for a chat's call (decision 010)
}


@dataclass
class World:
    platform: Platform
    other: ClassSchool
    teacher: Tokens  # made the chat: its moderator (R-MOD-1)
    students: list[Tokens]  # members
    outsider: Tokens  # a student of the class who has not joined the chat
    chat: dict[str, Any]

    @property
    def call_url(self) -> str:
        return f"/api/v1/chats/{self.chat['id']}/call"

    async def join(self, who: Tokens) -> dict[str, Any]:
        return dict(ok(await self.platform.http.post(self.call_url, headers=bearer(who))))

    async def leave(self, who: Tokens, joined: dict[str, Any]) -> bool:
        url = f"/api/v1/calls/{joined['call']['id']}/sessions/{joined['me']['session_id']}/leave"
        return bool(ok(await self.platform.http.post(url, headers=bearer(who)))["call_ended"])

    @asynccontextmanager
    async def in_call(self, *people: Tokens) -> AsyncIterator[list[dict[str, Any]]]:
        """These people join in this order, and leave at the end of the block (the last ends it)."""
        joined: list[tuple[Tokens, dict[str, Any]]] = []
        try:
            for who in people:
                joined.append((who, await self.join(who)))
            yield [j for _, j in joined]
        finally:
            for who, j in joined:
                await self.leave(who, j)


@pytest_asyncio.fixture(scope="module")
async def world(platform: Platform) -> World:
    made = await class_chat(platform, 1515, "+79120151515", "+79120151616", "9А", students=3)
    *students, outsider = made.students
    for member in students:
        await join(platform, made.chat, member)
    return World(platform, made.other, made.teacher, students, outsider, made.chat)


async def frame_where(client: Live, frame_type: str, check: Any, within: float = 10) -> dict[str, Any]:
    """The next frame of this type for which `check(frame)` holds (earlier ones are skipped)."""
    while True:
        frame = await client.until(frame_type, within=within)
        if check(frame):
            return frame


async def publish_over_socket(
    ws: Live, peer: RTCPeerConnection, call_id: str, session_id: str
) -> dict[str, Any]:
    """The peer's microphone and camera offered on the socket (request "offer-1"); the `call.answer`
    frame, its description applied to the peer."""
    sdp, tracks = await publisher_offer(peer)
    await ws.send(
        {
            "type": "call.negotiate",
            "id": "offer-1",
            "call_id": call_id,
            "session_id": session_id,
            "role": "publisher",
            "description": {"type": "offer", "sdp": sdp},
            "tracks": [
                {"mid": t.mid, "kind": t.kind, "source": "microphone" if t.kind == "audio" else "camera"}
                for t in tracks
            ],
        }
    )
    answer = await frame_where(ws, "call.answer", lambda f: f["id"] == "offer-1")
    await peer.setRemoteDescription(RTCSessionDescription(**answer["description"]))
    return answer


async def answer_over_socket(
    ws: Live, peer: RTCPeerConnection, call_id: str, session_id: str, offer: dict[str, Any], request_id: str
) -> dict[str, Any]:
    """The subscriber peer (confined to loopback) answers the SFU's offer on the socket; the reply frame."""
    await peer.setRemoteDescription(RTCSessionDescription(**offer["description"]))
    confine(peer)
    await peer.setLocalDescription(await peer.createAnswer())
    await ws.send(
        {
            "type": "call.negotiate",
            "id": request_id,
            "call_id": call_id,
            "session_id": session_id,
            "role": "subscriber",
            "description": {"type": "answer", "sdp": peer.localDescription.sdp},
        }
    )
    return await frame_where(ws, "call.ok", lambda f: f["id"] == request_id)


async def test_r_media_1_join_over_http_and_the_chat_shows_its_call_live(world: World) -> None:
    port, chat = world.platform.gateway.port, world.chat["id"]
    teacher, student = world.teacher, world.students[0]
    async with live(port, teacher, {chat: 0}) as teacher_ws, live(port, student, {chat: 0}) as student_ws:
        await teacher_ws.rest(0)
        await student_ws.rest(0)
        first = await world.join(teacher)
        try:
            assert first["started"] is True
            assert set(first["call"]) == CALL_KEYS  # no "ended_at" while in progress
            assert first["call"]["chat_id"] == chat
            assert first["me"]["user_id"] == teacher["user_id"]
            assert first["call"]["may_moderate"] is True
            assert isinstance(first["ice_servers"], list)
            call_id = first["call"]["id"]
            shown = await frame_where(student_ws, "chat_call", lambda f: "call" in f)
            assert (shown["call"]["id"], shown["call"]["participant_count"]) == (call_id, 1)

            second = await world.join(student)
            try:
                assert second["started"] is False
                assert second["call"]["id"] == call_id
                assert second["call"]["may_moderate"] is False
                # The teacher's page hears the student come in, and the chat shows two people.
                heard = await frame_where(
                    teacher_ws, "call.participants", lambda f: len(f["participants"]) == 2
                )
                assert heard["call_id"] == call_id
                assert {p["user_id"] for p in heard["participants"]} == {
                    teacher["user_id"],
                    student["user_id"],
                }
                assert set(heard["participants"][0]["state"]) == {"mic", "camera", "screen", "hand_raised"}
                await frame_where(
                    teacher_ws, "chat_call", lambda f: f.get("call", {}).get("participant_count") == 2
                )
                chat_json = ok(
                    await world.platform.http.get(f"/api/v1/chats/{chat}", headers=bearer(student))
                )
                assert chat_json["call"]["id"] == call_id
                got = ok(await world.platform.http.get(world.call_url, headers=bearer(student)))
                assert set(got) == CALL_KEYS
                assert len(got["participants"]) == 2
            finally:
                assert await world.leave(student, second) is False
        finally:
            assert await world.leave(teacher, first) is True
        assert await frame_where(student_ws, "chat_call", lambda f: "call" not in f) == {
            "type": "chat_call",
            "chat_id": chat,
        }
        gone = await world.platform.http.get(world.call_url, headers=bearer(student))
        assert gone.status_code == 404, gone.text
        assert "call" not in ok(
            await world.platform.http.get(f"/api/v1/chats/{chat}", headers=bearer(student))
        )


async def test_r_media_3_another_schools_member_gets_404_and_an_outsider_is_refused(world: World) -> None:
    async with world.in_call(world.teacher) as [joined]:
        stranger = bearer(world.other.school.admin)
        for response in (
            await world.platform.http.get(world.call_url, headers=stranger),
            await world.platform.http.post(world.call_url, headers=stranger),
        ):
            assert response.status_code == 404, response.text
            assert joined["call"]["id"] not in response.text
            assert world.chat["title"] not in response.text
        refused = await world.platform.http.post(world.call_url, headers=bearer(world.outsider))
        assert refused.status_code == 403, refused.text
        assert refused.json()["error"]["rule"] == "R-MEDIA-3"


async def test_an_aiortc_publisher_negotiating_over_the_websocket_gets_an_answer(world: World) -> None:
    port = world.platform.gateway.port
    teacher, student = world.teacher, world.students[0]
    publisher, subscriber = loopback_peer(), loopback_peer()
    async with (
        world.in_call(teacher, student) as [teacher_in, student_in],
        live(port, teacher) as teacher_ws,
        live(port, student) as student_ws,
    ):
        call_id = teacher_in["call"]["id"]
        try:
            answer = await publish_over_socket(teacher_ws, publisher, call_id, teacher_in["me"]["session_id"])
            assert answer["session_id"] == teacher_in["me"]["session_id"]
            assert answer["description"]["type"] == "answer"

            # Someone else's session is not the student's to signal for (answered on the socket).
            await student_ws.send({**_subscribe(call_id, teacher_in, "sub-0")})
            refused = await frame_where(student_ws, "error", lambda f: f.get("id") == "sub-0")
            assert refused["code"] == "not_found"

            await student_ws.send(_subscribe(call_id, student_in, "sub-1"))
            offer = await frame_where(student_ws, "call.offer", lambda f: f.get("id") == "sub-1")
            assert offer["description"]["type"] == "offer"
            session = student_in["me"]["session_id"]
            assert await answer_over_socket(student_ws, subscriber, call_id, session, offer, "answer-1") == {
                "type": "call.ok",
                "id": "answer-1",
            }

            # The tiles the student shows, and the end of the teacher's trickled candidates.
            await student_ws.send(
                {
                    "type": "call.visible",
                    "id": "visible-1",
                    "call_id": call_id,
                    "session_id": student_in["me"]["session_id"],
                    "sessions": [teacher_in["me"]["session_id"]],
                }
            )
            await frame_where(student_ws, "call.ok", lambda f: f["id"] == "visible-1")
            await teacher_ws.send(
                {
                    "type": "call.ice",
                    "id": "ice-end",
                    "call_id": call_id,
                    "session_id": teacher_in["me"]["session_id"],
                    "role": "publisher",
                    "candidate": {"candidate": "", "sdp_mid": "0", "sdp_mline_index": 0},
                }
            )
            await frame_where(teacher_ws, "call.ok", lambda f: f["id"] == "ice-end")
        finally:
            await close_all([publisher, subscriber])


def _subscribe(call_id: str, joined: dict[str, Any], request_id: str) -> dict[str, Any]:
    return {
        "type": "call.subscribe",
        "id": request_id,
        "call_id": call_id,
        "session_id": joined["me"]["session_id"],
    }


async def test_a_moderators_mute_reaches_the_muted_persons_socket(world: World) -> None:
    port = world.platform.gateway.port
    teacher, student, other = world.teacher, world.students[0], world.students[1]
    async with (
        world.in_call(teacher, student, other) as [teacher_in, _, _],
        live(port, student) as student_ws,
    ):
        call_id = teacher_in["call"]["id"]
        mute = f"/api/v1/calls/{call_id}/participants/{student['user_id']}/mute"
        # A member who does not moderate the chat may not (R-MOD-1).
        refused = await world.platform.http.post(mute, headers=bearer(other), json={"source": "microphone"})
        assert refused.status_code == 403, refused.text
        bad = await world.platform.http.post(mute, headers=bearer(teacher), json={"source": "voice"})
        assert bad.status_code == 400, bad.text

        call = ok(
            await world.platform.http.post(mute, headers=bearer(teacher), json={"source": "microphone"})
        )
        assert set(call) == CALL_KEYS
        muted = await student_ws.until("call.muted", within=10)
        assert muted["call_id"] == call_id
        assert (muted["source"], muted["by_user_id"]) == ("microphone", teacher["user_id"])


async def test_my_state_changes_and_a_moderator_removes_someone(world: World) -> None:
    port = world.platform.gateway.port
    teacher, student = world.teacher, world.students[1]
    async with world.in_call(teacher) as [teacher_in], live(port, student) as student_ws:
        call_id = teacher_in["call"]["id"]
        student_in = await world.join(student)
        session_url = f"/api/v1/calls/{call_id}/sessions/{student_in['me']['session_id']}"
        me = ok(
            await world.platform.http.patch(session_url, headers=bearer(student), json={"hand_raised": True})
        )
        assert me["state"]["hand_raised"] is True
        assert me["session_id"] == student_in["me"]["session_id"]
        for bad in ({"mic": "loud"}, {"volume": 3}):
            response = await world.platform.http.patch(session_url, headers=bearer(student), json=bad)
            assert response.status_code == 400, response.text

        removed = ok(
            await world.platform.http.delete(
                f"/api/v1/calls/{call_id}/participants/{student['user_id']}", headers=bearer(teacher)
            )
        )
        assert student["user_id"] not in {p["user_id"] for p in removed["participants"]}
        closed = await frame_where(
            student_ws, "call.closed", lambda f: f["session_id"] == student_in["me"]["session_id"]
        )
        assert closed["reason"] == "removed"


async def test_r_media_1_a_publishers_media_reaches_a_subscriber_signalled_over_the_websocket(
    world: World,
) -> None:
    """The whole path: the SFU's re-offer reaches the viewer's socket as `call.offer` naming the
    publisher's tracks; once answered over the socket, its video and audio arrive (loopback only)."""
    port = world.platform.gateway.port
    teacher, student = world.teacher, world.students[1]
    publisher, viewer = loopback_peer(), loopback_peer()
    received: list[MediaStreamTrack] = []
    viewer.on("track", received.append)
    async with (
        world.in_call(student, teacher) as [student_in, teacher_in],
        live(port, teacher) as teacher_ws,
        live(port, student) as student_ws,
    ):
        call_id = student_in["call"]["id"]
        student_session, teacher_session = student_in["me"]["session_id"], teacher_in["me"]["session_id"]

        async def answer(offer: dict[str, Any], request_id: str) -> None:
            await answer_over_socket(student_ws, viewer, call_id, student_session, offer, request_id)

        try:
            await student_ws.send(_subscribe(call_id, student_in, "sub-1"))
            await answer(await frame_where(student_ws, "call.offer", lambda f: f.get("id") == "sub-1"), "a-1")

            await publish_over_socket(teacher_ws, publisher, call_id, teacher_session)

            re_offer = await frame_where(
                student_ws,
                "call.offer",
                lambda f: "id" not in f and any(t["session_id"] == teacher_session for t in f["tracks"]),
                within=20,
            )
            assert re_offer["session_id"] == student_session
            offered = {
                (t["user_id"], t["source"]) for t in re_offer["tracks"] if t["session_id"] == teacher_session
            }
            assert offered == {(teacher["user_id"], "microphone"), (teacher["user_id"], "camera")}
            await answer(re_offer, "a-2")

            video = await until(
                lambda: next((t for t in received if t.kind == "video"), None),
                within=20,
                what="the video track",
            )
            frame = await asyncio.wait_for(video.recv(), 20)
            assert frame.width > 0
            audio = next(t for t in received if t.kind == "audio")
            sound = await asyncio.wait_for(audio.recv(), 20)
            assert sound.samples > 0
        finally:
            await close_all([publisher, viewer])


async def test_the_calls_routes_and_the_chats_call_are_in_the_openapi_document(platform: Platform) -> None:
    document = ok(await platform.http.get("/api/openapi.json"))
    paths = document["paths"]
    for path, method in [
        ("/api/v1/chats/{chat_id}/call", "post"),
        ("/api/v1/chats/{chat_id}/call", "get"),
        ("/api/v1/calls/{call_id}/sessions/{session_id}/leave", "post"),
        ("/api/v1/calls/{call_id}/sessions/{session_id}", "patch"),
        ("/api/v1/calls/{call_id}/participants/{user_id}/mute", "post"),
        ("/api/v1/calls/{call_id}/participants/{user_id}", "delete"),
    ]:
        assert method in paths[path], (path, method)
        assert {"403", "404", "503"} <= set(paths[path][method]["responses"]), (path, method)
    schemas = document["components"]["schemas"]
    assert "ended_at" not in schemas["CallOut"]["properties"]
    assert set(schemas["ChatCallOut"]["properties"]) == {"id", "started_at", "participant_count"}
    assert "call" in schemas["ChatOut"]["properties"]
    assert set(schemas["MuteIn"]["properties"]["source"]["enum"]) == {"microphone", "camera", "screen"}
