"""The benchmark's baseline SFU: aiortc's encoded-frame passthrough, in the SFU process.

Each publisher's server-side receiver does what aiortc does up to its decoder — SRTP, RTP parsing,
jitter buffer, NACKs to the publisher, reassembly of whole encoded frames — and then, instead of
decoding, hands every complete frame (as an `av.Packet`, its timestamp as pts) straight to one relay
track per subscriber; each subscriber's `RTCRtpSender` packetizes those packets as they are
(`_next_encoded_frame`), keeps its own history for NACKs (answered with RTX) and sends. Nothing is
decoded or encoded: this is the fastest relay aiortc's public pieces make (VERIFIED.md, MEDIA.md), the
one the issue's probe measured at ≈30k packets per CPU-second.

It speaks the same four operations the benchmark asks of the real engine: `publish` (offer → answer),
`subscribe` (→ offer with every published track), `answer` (the subscriber's answer), `close`.
Every peer connection is confined to 127.0.0.1 (services/media/sfu/adapter.py).
"""

from __future__ import annotations

import asyncio
from fractions import Fraction
from typing import Any

import av
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.jitterbuffer import JitterFrame
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from aiortc.rtcrtpparameters import RTCRtpCodecParameters

from services.media.sfu.adapter import LOOPBACK_NETWORKS, address_allowed, confine_peer, divert_frames
from services.media.sfu.loadgen import loopback_configuration
from services.media.sfu.loadgen.packets import drop_candidates_outside


def loopback(address: str) -> bool:
    return address_allowed(address, LOOPBACK_NETWORKS)


QUEUE_LIMIT = 64  # frames a slow subscriber may lag behind before the oldest are dropped


class RelayTrack(MediaStreamTrack):
    """What one subscriber's sender reads: the publisher's encoded frames, as `av.Packet`s."""

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind
        self.queue: asyncio.Queue[av.Packet[Any] | None] = asyncio.Queue()

    def push(self, packet: av.Packet[Any]) -> None:
        if self.queue.qsize() >= QUEUE_LIMIT:
            self.queue.get_nowait()
        self.queue.put_nowait(packet)

    async def recv(self) -> av.Packet[Any]:
        packet = await self.queue.get()
        if packet is None or self.readyState != "live":
            raise MediaStreamError
        return packet


class PublishedTrack:
    """One publisher track and the relay tracks of its subscribers."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.relays: list[RelayTrack] = []

    def frame(self, codec: RTCRtpCodecParameters, frame: JitterFrame) -> None:
        packet = av.Packet(frame.data)
        packet.pts = frame.timestamp
        packet.time_base = Fraction(1, codec.clockRate)
        for relay in self.relays:
            relay.push(packet)

    def relay(self) -> RelayTrack:
        track = RelayTrack(self.kind)
        self.relays.append(track)
        return track


class PassthroughRelay:
    """The baseline's rooms: one call, publishers and subscribers by session id."""

    def __init__(self) -> None:
        self.peers: dict[str, RTCPeerConnection] = {}
        self.tracks: list[PublishedTrack] = []

    async def publish(self, session: str, offer_sdp: str) -> str:
        pc = RTCPeerConnection(loopback_configuration())
        self.peers[session] = pc
        offer_sdp = drop_candidates_outside(offer_sdp, loopback)
        await pc.setRemoteDescription(RTCSessionDescription(sdp=offer_sdp, type="offer"))
        confine_peer(pc)
        for transceiver in pc.getTransceivers():
            published = PublishedTrack(transceiver.kind)
            divert_frames(transceiver.receiver, published.frame)
            self.tracks.append(published)
        await pc.setLocalDescription(await pc.createAnswer())
        return str(pc.localDescription.sdp)

    async def subscribe(self, session: str) -> str:
        pc = RTCPeerConnection(loopback_configuration())
        self.peers[session] = pc
        for published in self.tracks:
            pc.addTransceiver(published.relay(), direction="sendonly")
        confine_peer(pc)
        await pc.setLocalDescription(await pc.createOffer())
        return str(pc.localDescription.sdp)

    async def answer(self, session: str, answer_sdp: str) -> None:
        answer_sdp = drop_candidates_outside(answer_sdp, loopback)
        await self.peers[session].setRemoteDescription(RTCSessionDescription(sdp=answer_sdp, type="answer"))

    async def close(self) -> None:
        for published in self.tracks:
            for relay in published.relays:
                relay.queue.put_nowait(None)
                relay.stop()
        await asyncio.gather(*(pc.close() for pc in self.peers.values()), return_exceptions=True)
        self.peers.clear()
        self.tracks.clear()
