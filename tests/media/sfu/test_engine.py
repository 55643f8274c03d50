"""The engine end to end in one process, on 127.0.0.1 only: aiortc client peers publish crafted RTP
through a real SfuEngine (real ICE, DTLS, SRTP) and a subscriber counts every packet that arrives,
undecoded; negotiation, renegotiation, mute, listen-only, visibility and session states as the
control plane sees them through the listener."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator

import pytest
from prometheus_client import REGISTRY

from services.common.errors import InvalidArgument, NotFound, PermissionDenied
from services.media.sfu import adapter
from services.media.sfu.engine import EngineOptions, SfuEngine
from services.media.sfu.forwarding import rtcp
from services.media.sfu.ports import Connection, Role, Source
from tests.media.sfu.clients import (
    Listener,
    PublishingClient,
    SubscribingClient,
    alice_to_carol,
    flowing,
    publish,
    subscribe,
    wait_connected,
)
from tests.support.waiting import until

CALL = "call-1"


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


Running = tuple[SfuEngine, Listener]


@pytest.fixture
async def engine() -> AsyncIterator[Running]:
    listener = Listener()
    engine = SfuEngine(
        listener,
        EngineOptions(
            host_addresses=("127.0.0.1",),
            allowed_networks=("127.0.0.0/8",),
            speaker_interval=0.1,
            report_interval=0.2,
        ),
    )
    yield engine, listener
    await engine.close()


async def send_and_count(subscriber: SubscribingClient, publishers: list[PublishingClient], n: int) -> None:
    """Every publisher sends `n` audio and video packets, in bursts the subscriber must have
    received before the next; returns once each of its m-lines carried that many more."""
    before = {ssrc: len(sequences) for ssrc, sequences in subscriber.received.items()}

    def arrived(count: int) -> bool:
        return all(len(subscriber.received[ssrc]) >= already + count for ssrc, already in before.items())

    for i in range(n):
        for client in publishers:
            await client.send("audio")
            await client.send("video")
        if i % 10 == 9:
            await until(lambda i=i: arrived(i + 1), within=10, what=f"burst {i // 10 + 1}")


def contiguous(sequences: list[int]) -> bool:
    return all((b - a) & 0xFFFF == 1 for a, b in itertools.pairwise(sequences))


async def test_two_publishers_reach_a_subscriber_packet_for_packet(
    engine: Running,
) -> None:
    sfu, listener = engine
    for session in ("alice", "bob", "carol"):
        await sfu.open_session(CALL, session, f"user-{session}", may_publish=True)
    alice, bob, carol = PublishingClient.new(), PublishingClient.new(), SubscribingClient.new()
    try:
        await publish(sfu, CALL, "alice", alice)
        await publish(sfu, CALL, "bob", bob)
        await subscribe(sfu, CALL, "carol", carol)
        await wait_connected(alice.pc, bob.pc, carol.pc)
        assert {(track.session_id, track.kind, track.source) for track in carol.tracks} == {
            ("alice", "audio", Source.MICROPHONE),
            ("alice", "video", Source.CAMERA),
            ("bob", "audio", Source.MICROPHONE),
            ("bob", "video", Source.CAMERA),
        }

        # Video starts at a key frame: send them until each of the four m-lines has carried one.
        async def warm() -> bool:
            for client in (alice, bob):
                await client.send("video", keyframe=True)
                await client.send("audio")
            return len(carol.received) == 4

        await until(warm, within=10, what="all four tracks flowing")
        # Carol joining asked each publisher for a key frame (aggregated: one per 500 ms at most).
        await until(lambda: alice.keyframe_requests() and bob.keyframe_requests(), within=5, what="PLIs")
        forwarded_before = sample("parta_sfu_packets_out_total", kind="video")
        alice.level = 10  # Alice speaks; Bob is silent
        await send_and_count(carol, [alice, bob], 150)

        # Every packet forwarded since each m-line's first: no gap in any of the four sequences.
        assert len(carol.received) == 4
        assert all(len(sequences) >= 150 and contiguous(sequences) for sequences in carol.received.values())
        assert carol.rtx == {}
        # The metrics count it (flushed every report interval).
        await until(
            lambda: sample("parta_sfu_packets_out_total", kind="video") >= forwarded_before + 300,
            within=5,
            what="forwarded video counted",
        )
        assert sample("parta_sfu_calls") >= 1

        # The publishers hear receiver reports for both their tracks and a REMB cap for their camera.
        def reported(client: PublishingClient) -> bool:
            blocks = {
                b.ssrc for r in client.feedback if isinstance(r, rtcp.ReceiverReport) for b in r.reports
            }
            caps = [r for r in client.feedback if isinstance(r, rtcp.Remb)]
            video = client.ssrc("video")
            return blocks >= {client.ssrc("audio"), video} and any(c.ssrcs == (video,) for c in caps)

        await until(lambda: reported(alice) and reported(bob), within=5, what="reports to publishers")
        assert {r.bitrate for r in alice.feedback if isinstance(r, rtcp.Remb)} <= set(range(790_000, 800_001))
        # Sender reports with SDES on every down-track.
        await until(lambda: len(carol.sender_reports) >= 8, within=5, what="sender reports to carol")
        assert {report.ssrc for report in carol.sender_reports} == set(carol.received)
        # aiortc's own reports (NTP time 0, nothing counted) never leave: every one carries a count.
        assert all(report.ntp and report.packet_count for report in carol.sender_reports)
        await until(lambda: listener.speakers, within=5, what="an active speaker")
        speaker_user, speaker_session, recipients = listener.speakers[-1]
        assert (speaker_user, speaker_session) == ("user-alice", "alice")
        assert set(recipients) == {("user-alice", "alice"), ("user-bob", "bob"), ("user-carol", "carol")}
        await until(
            lambda: (
                {
                    ("alice", Connection.CONNECTED),
                    ("bob", Connection.CONNECTED),
                    ("carol", Connection.CONNECTED),
                }
                <= set(listener.states)
            ),
            within=5,
            what="every session connected",
        )
        assert {(c, s, u) for c, s, u, _ in sfu.sessions()} == {
            (CALL, "alice", "user-alice"),
            (CALL, "bob", "user-bob"),
            (CALL, "carol", "user-carol"),
        }
    finally:
        for client in (alice, bob, carol):
            await client.close()


async def test_an_h264_publisher_reaches_the_subscriber_as_h264(engine: Running) -> None:
    """A browser that offers only H.264 (no VP8) publishes H.264; the subscriber's m-line carries it
    on the payload type its own negotiation gave H.264."""
    sfu, _ = engine
    async with alice_to_carol(sfu, CALL, video_codec="H264") as (alice, carol):
        assert adapter.transceiver_codecs(alice.video)[0].name == "h264"
        await flowing(alice, carol, 1, audio=False)
        for _ in range(10):
            await alice.send("video")
        await until(lambda: len(carol.of_kind("video")) >= 11, within=10, what="inter frames")
        video = next(t for t in carol.pc.getTransceivers() if t.kind == "video")
        h264_types = {c.payload_type for c in adapter.transceiver_codecs(video) if c.name == "h264"}
        assert carol.payload_types["video"] <= h264_types


async def test_what_the_subscribers_leg_loses_comes_back_as_rtx(engine: Running) -> None:
    sfu, _ = engine
    async with alice_to_carol(sfu, CALL) as (alice, carol):
        await flowing(alice, carol, 1, audio=False)
        carol.drop_every = 20  # 5 % of the media on carol's leg
        for _ in range(200):
            await alice.send("video")
        await until(lambda: len(carol.dropped) >= 10, within=10, what="losses")
        carol.drop_every = 0
        await until(
            lambda: sorted(seq for seqs in carol.rtx.values() for seq in seqs) == sorted(carol.dropped),
            within=10,
            what="every lost packet retransmitted",
        )
        video = next(ssrc for ssrc, kind in carol.kinds.items() if kind == "video")
        got = set(carol.received[video]) | set(carol.dropped)  # first-time arrivals and retransmissions
        assert got == set(range(min(got), max(got) + 1))  # nothing missing (no 16-bit wrap this early)


async def test_a_moderators_mute_stops_forwarding_that_source(engine: Running) -> None:
    sfu, listener = engine
    async with alice_to_carol(sfu, CALL) as (alice, carol):
        await flowing(alice, carol, 2)
        await sfu.mute_source(CALL, "alice", Source.MICROPHONE)
        assert listener.mutes == [("alice", Source.MICROPHONE)]
        # A fence: once a video packet sent now has arrived, everything sent before it has too.
        fence = len(carol.of_kind("video"))
        await alice.send("video")
        await until(lambda: len(carol.of_kind("video")) > fence, within=10, what="the fence")
        audio_before, video_before = len(carol.of_kind("audio")), len(carol.of_kind("video"))
        for _ in range(20):
            await alice.send("audio")
        for _ in range(20):
            await alice.send("video")
        await until(lambda: len(carol.of_kind("video")) >= video_before + 20, within=10, what="alice's video")
        assert len(carol.of_kind("audio")) == audio_before


async def test_a_listen_only_session_may_not_publish(engine: Running) -> None:
    sfu, _ = engine
    await sfu.open_session(CALL, "blocked", "user-blocked", may_publish=False)
    client = PublishingClient.new()
    try:
        sdp, tracks = await client.offer()
        with pytest.raises(PermissionDenied):
            await sfu.negotiate(CALL, "blocked", Role.PUBLISHER, "offer", sdp, tracks)
        offer = await sfu.subscribe(CALL, "blocked")  # it still listens
        assert offer.tracks == ()
    finally:
        await client.close()


async def test_unknown_calls_and_sessions_and_bad_sdp_are_refused(engine: Running) -> None:
    sfu, _ = engine
    with pytest.raises(NotFound):
        await sfu.subscribe("no-such-call", "s")
    await sfu.open_session(CALL, "alice", "user-alice", may_publish=True)
    with pytest.raises(NotFound):
        await sfu.subscribe(CALL, "no-such-session")
    with pytest.raises(InvalidArgument):
        await sfu.negotiate(CALL, "alice", Role.PUBLISHER, "offer", "this is not SDP", [])
    with pytest.raises(InvalidArgument):
        await sfu.negotiate(CALL, "alice", Role.SUBSCRIBER, "answer", "v=0", [])  # no offer outstanding
