"""The relay between SFU processes (issue 14, broadcasts): three `parta-sfu` shells with the real
engine over real gRPC and UDP — an origin with the presenter (an aiortc publisher that encodes, so it
answers keyframe requests) and one viewer, edge A fed straight from the origin with two viewers, edge B
fed through a UDP hop that loses a packet on purpose, with one viewer. The viewers are the load
generator's receive-only peers (they never decode). Everything on 127.0.0.1 (the network safety): the
relay refuses addresses outside the allowed networks.

The control plane's calls are made here directly, in its order: ServeRelay on the origin with the
edge's relay address, then OpenRelay on the edge with what the origin answered."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import grpc
import pytest
import pytest_asyncio
from aiortc import RTCPeerConnection, RTCSessionDescription

from parta.media.v1 import media_pb2, sfu_pb2, sfu_pb2_grpc, signalling_pb2
from services.media.sfu import adapter
from services.media.sfu.forwarding import rtcp
from services.media.sfu.forwarding.packets import HEADER, header_length, is_keyframe
from services.media.sfu.loadgen import Subscriber
from services.media.sfu.loadgen.packets import Feedback
from tests.support.media_peers import close_all, loopback_peer, publisher_offer
from tests.support.platform import Infra, running_sfu
from tests.support.waiting import until


class LossyHop(asyncio.DatagramProtocol):
    """A UDP hop on the relay leg (origin ⇄ edge), on 127.0.0.1: forwards both ways and, once armed,
    drops the next video RTP packet of `ssrc`; it then watches for the origin's RTX of that packet."""

    def __init__(self, origin: tuple[str, int], edge: tuple[str, int]) -> None:
        self.origin, self.edge = origin, edge
        self.towards_edge: asyncio.DatagramTransport | None = None  # origin sends here
        self.towards_origin: asyncio.DatagramTransport | None = None  # the edge sends here
        self.armed_ssrc = 0
        self.rtx_ssrc = 0
        self.dropped: int | None = None
        self.retransmitted: list[int] = []

    @classmethod
    async def open(cls, origin: tuple[str, int], edge: tuple[str, int]) -> LossyHop:
        hop = cls(origin, edge)
        loop = asyncio.get_running_loop()
        hop.towards_edge, _ = await loop.create_datagram_endpoint(
            lambda: _Side(hop.from_origin), local_addr=("127.0.0.1", 0)
        )
        hop.towards_origin, _ = await loop.create_datagram_endpoint(
            lambda: _Side(hop.from_edge), local_addr=("127.0.0.1", 0)
        )
        return hop

    def address(self, transport: asyncio.DatagramTransport | None) -> str:
        assert transport is not None
        host, port = transport.get_extra_info("sockname")[:2]
        return f"{host}:{port}"

    def from_origin(self, data: bytes) -> None:
        if len(data) >= 12 and not 192 <= data[1] <= 223:
            _, _, seq, _, ssrc = HEADER.unpack_from(data)
            if ssrc == self.armed_ssrc and self.dropped is None:
                self.dropped = seq
                return
            if ssrc == self.rtx_ssrc and self.rtx_ssrc:
                offset = header_length(data)
                self.retransmitted.append(data[offset] << 8 | data[offset + 1])
        assert self.towards_origin is not None
        self.towards_origin.sendto(data, self.edge)

    def from_edge(self, data: bytes) -> None:
        assert self.towards_edge is not None
        self.towards_edge.sendto(data, self.origin)

    def close(self) -> None:
        for transport in (self.towards_edge, self.towards_origin):
            if transport is not None:
                transport.close()


class _Side(asyncio.DatagramProtocol):
    def __init__(self, handle: object) -> None:
        self._handle = handle

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self._handle(data)  # type: ignore[operator]


def host_port(address: str) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    return host, int(port)


@dataclass
class Keyframes:
    """Counts the VP8 keyframes (their first packets) a viewer receives."""

    count: int = 0

    def __call__(self, kind: str, data: bytes, is_rtx: bool) -> None:
        if kind == "video" and not is_rtx and is_keyframe("vp8", data[header_length(data) :]):
            self.count += 1


@dataclass
class Viewer:
    name: str
    subscriber: Subscriber
    seen: Keyframes

    @property
    def keyframes(self) -> int:
        return self.seen.count

    def frames(self) -> dict[str, int]:
        return dict(self.subscriber.stats.frames)

    def video_ssrc(self) -> int:
        return next(ssrc for ssrc, kind in self.subscriber.stats.kinds.items() if kind == "video")

    async def ask_keyframe(self) -> None:
        """The viewer's own PLI for the video it receives, on its peer connection (as a browser's)."""
        transport = adapter.dtls_transports(self.subscriber.pc)[0]
        await adapter.sender_of(transport)(rtcp.pli(1, self.video_ssrc()))


@dataclass
class Broadcast:
    call_id: str
    presenter: str
    origin: sfu_pb2_grpc.SfuStub
    edges: dict[str, sfu_pb2_grpc.SfuStub]
    publisher: RTCPeerConnection
    publisher_feedback: Feedback
    hop: LossyHop
    relayed: sfu_pb2.RelayTracks
    viewers: list[Viewer] = field(default_factory=list)


async def watch(stub: sfu_pb2_grpc.SfuStub, call_id: str, name: str) -> Viewer:
    """A viewer (listen-only) admitted on `stub`'s process, receiving whatever its room has."""
    session_id = str(uuid.uuid4())
    await stub.OpenSession(
        sfu_pb2.OpenSessionRequest(
            call_id=call_id, session_id=session_id, user_id=str(uuid.uuid4()), may_publish=False
        )
    )
    seen = Keyframes()
    viewer = Viewer(name, Subscriber(observer=seen), seen)
    offer = await stub.Subscribe(signalling_pb2.SessionRef(call_id=call_id, session_id=session_id))
    answer = await viewer.subscriber.answer(offer.description.sdp)
    await stub.Negotiate(
        signalling_pb2.NegotiateRequest(
            call_id=call_id,
            session_id=session_id,
            role=media_pb2.PEER_ROLE_SUBSCRIBER,
            description=media_pb2.SessionDescription(type="answer", sdp=answer),
        )
    )
    return viewer


@pytest_asyncio.fixture(scope="module")
async def broadcast(infra: Infra) -> AsyncIterator[Broadcast]:
    async with (
        running_sfu(infra.nats.url) as origin_app,
        running_sfu(infra.nats.url) as edge_a_app,
        running_sfu(infra.nats.url) as edge_b_app,
    ):
        channels = [
            grpc.aio.insecure_channel(app.grpc.address)  # type: ignore[union-attr]
            for app in (origin_app, edge_a_app, edge_b_app)
        ]
        origin, edge_a, edge_b = (sfu_pb2_grpc.SfuStub(channel) for channel in channels)
        call_id, presenter = str(uuid.uuid4()), str(uuid.uuid4())
        await origin.OpenSession(
            sfu_pb2.OpenSessionRequest(
                call_id=call_id, session_id=presenter, user_id=str(uuid.uuid4()), may_publish=True
            )
        )
        publisher = loopback_peer()
        sdp, tracks = await publisher_offer(publisher)
        reply = await origin.Negotiate(
            signalling_pb2.NegotiateRequest(
                call_id=call_id,
                session_id=presenter,
                role=media_pb2.PEER_ROLE_PUBLISHER,
                description=media_pb2.SessionDescription(type="offer", sdp=sdp),
                tracks=tracks,
            )
        )
        await publisher.setRemoteDescription(RTCSessionDescription(sdp=reply.answer.sdp, type="answer"))
        feedback = Feedback()
        for transport in adapter.dtls_transports(publisher):
            adapter.observe_incoming_rtcp(transport, feedback.count)
        origin_address = origin_app.engine.relay_address()
        hop = await LossyHop.open(host_port(origin_address), host_port(edge_b_app.engine.relay_address()))

        async def both_tracks_relayed() -> sfu_pb2.RelayTracks | None:
            served = await origin.ServeRelay(
                sfu_pb2.ServeRelayRequest(
                    call_id=call_id, edge_relay_address=edge_a_app.engine.relay_address()
                )
            )
            return served if len(served.tracks) == 2 else None

        relayed = await until(both_tracks_relayed, within=20, what="the presenter's two tracks to relay")
        await edge_a.OpenRelay(sfu_pb2.OpenRelayRequest(call_id=call_id, relay=relayed))
        via_hop = await origin.ServeRelay(
            sfu_pb2.ServeRelayRequest(call_id=call_id, edge_relay_address=hop.address(hop.towards_edge))
        )
        via_hop.origin_relay_address = hop.address(hop.towards_origin)
        await edge_b.OpenRelay(sfu_pb2.OpenRelayRequest(call_id=call_id, relay=via_hop))
        video = next(track for track in via_hop.tracks if track.kind == "video")
        hop.rtx_ssrc = video.rtx_ssrc
        show = Broadcast(
            call_id, presenter, origin, {"A": edge_a, "B": edge_b}, publisher, feedback, hop, via_hop
        )
        try:
            show.viewers = [
                await watch(origin, call_id, "origin"),
                await watch(edge_a, call_id, "A1"),
                await watch(edge_a, call_id, "A2"),
                await watch(edge_b, call_id, "B1"),
            ]
            yield show
        finally:
            for stub in (origin, edge_a, edge_b):
                await stub.CloseCall(sfu_pb2.CloseCallRequest(call_id=call_id))
            hop.close()
            await close_all([publisher, *(viewer.subscriber.pc for viewer in show.viewers)])
            for channel in channels:
                await channel.close()


async def test_every_viewer_on_the_origin_and_on_both_edges_keeps_receiving_frames(
    broadcast: Broadcast,
) -> None:
    """Issue 14: one presenter, viewers spread over processes; each edge viewer gets the presenter's
    audio and video as a local viewer does, and it keeps coming."""
    await until(
        lambda: all(v.frames()["video"] > 0 and v.frames()["audio"] > 0 for v in broadcast.viewers),
        within=30,
        what="every viewer's first audio and video frames",
    )
    before = {viewer.name: viewer.frames() for viewer in broadcast.viewers}

    def all_moved_on() -> dict[str, dict[str, int]] | None:
        now = {viewer.name: viewer.frames() for viewer in broadcast.viewers}
        moved = all(now[name][kind] >= before[name][kind] + 20 for name in now for kind in ("audio", "video"))
        return None if not moved else now

    await until(all_moved_on, within=30, what="twenty more frames of each kind for every viewer")
    assert all(viewer.subscriber.undecoded() for viewer in broadcast.viewers)


async def test_an_edge_viewers_keyframe_request_reaches_the_publisher_and_a_keyframe_arrives(
    broadcast: Broadcast,
) -> None:
    """A PLI from a viewer on edge A goes up the relay to the origin and on to the publisher (each hop
    collapsing requests by its own 500 ms rule); the publisher's keyframe comes back down to it."""
    viewer = next(v for v in broadcast.viewers if v.name == "A1")
    await until(lambda: viewer.keyframes > 0, within=30, what="the first keyframe on edge A")
    await until(lambda: viewer.frames()["video"] > 30, within=30, what="edge A's video flowing")
    asked, seen = broadcast.publisher_feedback.pli, viewer.keyframes
    await viewer.ask_keyframe()
    await until(
        lambda: broadcast.publisher_feedback.pli > asked, within=10, what="the PLI reaching the publisher"
    )
    await until(lambda: viewer.keyframes > seen, within=10, what="a new keyframe at the edge viewer")


async def test_a_packet_lost_on_the_relay_leg_is_asked_for_again_and_retransmitted(
    broadcast: Broadcast,
) -> None:
    """The edge's up-track notices the gap the hop made and NACKs the origin, which answers from the
    relay down-track's history with RTX; the edge's viewer keeps receiving video."""
    viewer = next(v for v in broadcast.viewers if v.name == "B1")
    await until(lambda: viewer.frames()["video"] > 10, within=30, what="edge B's video flowing")
    video = next(track for track in broadcast.relayed.tracks if track.kind == "video")
    broadcast.hop.armed_ssrc = video.ssrc
    dropped = await until(lambda: broadcast.hop.dropped, within=10, what="a video packet dropped")
    await until(
        lambda: dropped in broadcast.hop.retransmitted,
        within=10,
        what=f"the origin's RTX of packet {dropped}",
    )
    frames = viewer.frames()["video"]
    await until(lambda: viewer.frames()["video"] > frames + 10, within=10, what="edge B's video going on")


async def test_a_relay_to_an_address_outside_the_allowed_networks_is_refused(broadcast: Broadcast) -> None:
    """Network safety: the relay sends only inside PARTA_SFU_ALLOWED_NETWORKS (here 127.0.0.0/8)."""
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await broadcast.origin.ServeRelay(
            sfu_pb2.ServeRelayRequest(call_id=broadcast.call_id, edge_relay_address="10.1.2.3:40000")
        )
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await broadcast.edges["A"].OpenRelay(
            sfu_pb2.OpenRelayRequest(
                call_id=broadcast.call_id, relay=sfu_pb2.RelayTracks(origin_relay_address="not an address")
            )
        )
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_relaying_a_call_the_origin_does_not_have_is_not_found(broadcast: Broadcast) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await broadcast.origin.ServeRelay(
            sfu_pb2.ServeRelayRequest(call_id=str(uuid.uuid4()), edge_relay_address="127.0.0.1:40000")
        )
    assert refused.value.code() == grpc.StatusCode.NOT_FOUND
