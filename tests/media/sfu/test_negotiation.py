"""Negotiation through a real SfuEngine on 127.0.0.1: subscribers re-offered when tracks come and go,
one offer outstanding at a time with changes queued behind it, a new publisher offer replacing the
peer connection without a seam for subscribers, visibility pausing video, a block mid-call, and
trickled candidates outside the allowed networks dropped."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator

import pytest

from services.media.sfu.engine import EngineOptions, SfuEngine
from services.media.sfu.ports import Candidate, Role, Source
from tests.media.sfu.clients import (
    Listener,
    PublishingClient,
    SubscribingClient,
    alice_to_carol,
    answer,
    flowing,
    publish,
    settle,
)
from tests.media.sfu.clients import wait_connected as connected
from tests.support.waiting import until

CALL = "call-2"
Running = tuple[SfuEngine, Listener]


@pytest.fixture
async def engine() -> AsyncIterator[Running]:
    listener = Listener()
    engine = SfuEngine(
        listener, EngineOptions(host_addresses=("127.0.0.1",), allowed_networks=("127.0.0.0/8",))
    )
    yield engine, listener
    await engine.close()


def contiguous(sequences: list[int]) -> bool:
    return all((b - a) & 0xFFFF == 1 for a, b in itertools.pairwise(sequences))


async def test_a_late_publisher_is_offered_to_subscribers_one_offer_at_a_time(engine: Running) -> None:
    sfu, listener = engine
    for session in ("alice", "bob", "carol"):
        await sfu.open_session(CALL, session, f"user-{session}", may_publish=True)
    alice, bob, carol = PublishingClient.new(), PublishingClient.new(), SubscribingClient.new()
    try:
        first = await sfu.subscribe(CALL, "carol")  # nothing published yet: an offer with no tracks,
        assert first.tracks == ()
        assert first.sdp.count("m=audio") == 1  # but one inactive m-line, so it is a valid offer
        assert "a=inactive" in first.sdp
        await publish(sfu, CALL, "alice", alice)  # while carol's first offer is unanswered
        assert listener.offers_for("carol") == []  # queued behind the outstanding offer
        await answer(sfu, CALL, "carol", carol, first)
        await until(lambda: listener.offers_for("carol"), within=5, what="the queued re-offer")
        offer = listener.offers_for("carol")[0]
        assert {(t.session_id, t.kind) for t in offer.tracks} == {("alice", "audio"), ("alice", "video")}

        await publish(sfu, CALL, "bob", bob)  # again while that re-offer is outstanding
        assert len(listener.offers_for("carol")) == 1
        await answer(sfu, CALL, "carol", carol, offer)
        await until(lambda: len(listener.offers_for("carol")) == 2, within=5, what="bob's re-offer")
        offer = listener.offers_for("carol")[1]
        assert {(t.session_id, t.kind) for t in offer.tracks} == {
            ("alice", "audio"),
            ("alice", "video"),
            ("bob", "audio"),
            ("bob", "video"),
        }
        await answer(sfu, CALL, "carol", carol, offer)
        await connected(alice.pc, bob.pc, carol.pc)
        await flowing(alice, carol, 2)
        await flowing(bob, carol, 4)

        # Bob leaves: carol is re-offered without his tracks, his m-lines go inactive to be reused.
        await sfu.close_session(CALL, "bob")
        await until(
            lambda: len(listener.offers_for("carol")) == 3, within=5, what="the re-offer after bob left"
        )
        offer = listener.offers_for("carol")[2]
        assert {(t.session_id, t.kind) for t in offer.tracks} == {("alice", "audio"), ("alice", "video")}
        assert offer.sdp.count("a=inactive") == 2
        await answer(sfu, CALL, "carol", carol, offer)
    finally:
        for client in (alice, bob, carol):
            await client.close()


async def test_a_new_publisher_offer_replaces_the_peer_without_a_seam(engine: Running) -> None:
    """aiortc has no ICE restart: a reconnecting client publishes on a new peer connection; the
    subscriber's numbering runs on as if nothing happened."""
    sfu, _ = engine
    again = PublishingClient.new()
    try:
        async with alice_to_carol(sfu, CALL) as (alice, carol):
            await flowing(alice, carol, 2)

            await publish(sfu, CALL, "alice", again)  # the same session, a new peer connection
            await connected(again.pc)
            video = next(ssrc for ssrc, kind in carol.kinds.items() if kind == "video")
            before = len(carol.received[video])
            await flowing(again, carol, 2)
            for _ in range(20):
                await again.send("video")
            await until(
                lambda: len(carol.received[video]) >= before + 21, within=10, what="the new peer's video"
            )
            assert len(carol.received) == 2  # the same two m-lines, no renegotiation
            assert contiguous(carol.received[video])
    finally:
        await again.close()


async def test_video_of_a_tile_not_shown_is_paused_and_resumes(engine: Running) -> None:
    sfu, _ = engine
    async with alice_to_carol(sfu, CALL) as (alice, carol):
        await flowing(alice, carol, 2)

        await sfu.set_visible_sessions(CALL, "carol", [])  # carol's phone shows other tiles
        await settle(sfu, CALL, {"alice": alice})  # what was in flight has been forwarded
        video_before = len(carol.of_kind("video"))
        for _ in range(10):
            await alice.send("video", keyframe=True)
        await settle(sfu, CALL, {"alice": alice}, ("carol", carol))
        assert len(carol.of_kind("video")) == video_before  # paused: nothing forwarded

        await sfu.set_visible_sessions(CALL, "carol", ["alice"])
        await alice.send("video")  # not a key frame: still held back
        await alice.send("video", keyframe=True)
        await settle(sfu, CALL, {"alice": alice}, ("carol", carol))
        assert len(carol.of_kind("video")) == video_before + 1
        video = next(ssrc for ssrc, kind in carol.kinds.items() if kind == "video")
        assert contiguous(carol.received[video])  # no sequence gap for the pause


async def test_a_session_blocked_mid_call_stops_being_forwarded_and_keeps_listening(engine: Running) -> None:
    sfu, _ = engine
    async with alice_to_carol(sfu, CALL) as (alice, carol):
        await flowing(alice, carol, 2)
        await sfu.set_may_publish(CALL, "alice", False)
        await settle(sfu, CALL, {"alice": alice}, ("carol", carol))
        count = carol.count()
        for _ in range(10):
            await alice.send("audio")
            await alice.send("video", keyframe=True)
        await settle(sfu, CALL, {"alice": alice}, ("carol", carol))
        assert carol.count() == count  # blocked: nothing forwarded
        await sfu.set_may_publish(CALL, "alice", True)

        async def forwarded_again() -> bool:
            await alice.send("audio")
            return carol.count() > count

        await until(forwarded_again, within=5, what="forwarding after the block")
        # The audio runs on without a sequence gap for what was held back.
        audio = next(ssrc for ssrc, kind in carol.kinds.items() if kind == "audio")
        assert contiguous(carol.received[audio])
        sdp, tracks = await alice.offer()
        await sfu.set_may_publish(CALL, "alice", False)
        with pytest.raises(Exception, match="слушать"):
            await sfu.negotiate(CALL, "alice", Role.PUBLISHER, "offer", sdp, tracks)


async def test_trickled_candidates_outside_the_allowed_networks_are_dropped(engine: Running) -> None:
    sfu, _ = engine
    await sfu.open_session(CALL, "alice", "user-alice", may_publish=True)
    alice = PublishingClient.new()
    try:
        await publish(sfu, CALL, "alice", alice)
        outside = Candidate("candidate:1 1 udp 2130706431 192.0.2.10 50000 typ host", "0", 0)
        inside = Candidate("candidate:2 1 udp 2130706431 127.0.0.1 50001 typ host", "0", 0)
        await sfu.add_ice_candidate(CALL, "alice", Role.PUBLISHER, outside)
        await sfu.add_ice_candidate(CALL, "alice", Role.PUBLISHER, inside)
        await sfu.add_ice_candidate(CALL, "alice", Role.PUBLISHER, Candidate(""))  # end of candidates
        room = sfu._rooms[CALL]
        publisher = room.sessions()[0].publisher
        assert publisher is not None
        remote = {
            c.ip
            for t in publisher.pc.getTransceivers()
            for c in t.receiver.transport.transport.getRemoteCandidates()
        }
        assert "192.0.2.10" not in remote
        assert "127.0.0.1" in remote
    finally:
        await alice.close()


async def test_a_moderators_mute_outlasts_a_reconnect_until_the_person_unmutes(engine: Running) -> None:
    sfu, listener = engine
    again, unmuted = PublishingClient.new(), PublishingClient.new()
    try:
        async with alice_to_carol(sfu, CALL) as (first, carol):
            await flowing(first, carol, 2)
            await sfu.mute_source(CALL, "alice", Source.MICROPHONE)

            # Alice's page reconnects (a new peer connection) and, told of the mute, publishes it muted.
            await publish(sfu, CALL, "alice", again, mic_muted=True)
            await connected(again.pc)
            assert listener.offers_for("carol") == []  # the same tracks: no re-offer
            await settle(sfu, CALL, {"alice": again}, ("carol", carol))
            audio_before = len(carol.of_kind("audio"))
            for _ in range(10):
                await again.send("audio")
            await settle(sfu, CALL, {"alice": again}, ("carol", carol))
            assert len(carol.of_kind("audio")) == audio_before  # still muted

            # Alice unmutes herself: her page publishes the microphone unmuted.
            await publish(sfu, CALL, "alice", unmuted)
            await connected(unmuted.pc)

            async def heard() -> bool:
                await unmuted.send("audio")
                return len(carol.of_kind("audio")) > audio_before

            await until(heard, within=10, what="alice heard again")
    finally:
        await again.close()
        await unmuted.close()
