"""The load generator's client peers: a `Publisher` that sends a clip's packets without encoding and a
`Subscriber` whose receivers never decode, both on aiortc, both confined to loopback.

They speak SDP only; whoever drives them carries the offers and answers (the SFU engine directly in
the benchmark and the SFU's tests; a client of the gateway's WebSocket could carry them the same way).
aiortc puts every gathered candidate into the SDP, so no trickle is needed.

    publisher = Publisher(load_clip())
    answer = await sfu_side(await publisher.offer())   # publisher offer → the SFU's answer
    await publisher.accept(answer)

    subscriber = Subscriber(loss=0.03)                 # drops 3 % of what reaches it
    await sfu_side_answer(await subscriber.answer(offer_from_sfu))   # also for every re-offer

Network safety: `loopback_configuration()` has no STUN/TURN server, and every peer connection is
confined before it gathers: host candidates only on 127.0.0.1, remote candidates and STUN checks from
outside 127.0.0.0/8 dropped (from an SDP before aiortc reads it, trickled or peer-reflexive ones in
the ICE agent).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from aiortc import RTCBundlePolicy, RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.jitterbuffer import JitterFrame
from aiortc.rtcrtpparameters import RTCRtpCodecParameters

from services.media.sfu import adapter
from services.media.sfu.loadgen.clip import Clip
from services.media.sfu.loadgen.packets import (
    Feedback,
    PayloadType,
    SequenceLog,
    drop_candidates_outside,
    is_rtcp,
    payload_types,
    rtx_pairs,
)
from services.media.sfu.loadgen.replay import ReplayTrack

PacketObserver = Callable[[str, bytes, bool], None]
"""(kind, RTP packet bytes, is_rtx) — called for each RTP packet a peer sends or keeps on receipt."""


def _loopback(address: str) -> bool:
    return adapter.address_allowed(address, adapter.LOOPBACK_NETWORKS)


def loopback_configuration() -> RTCConfiguration:
    """No STUN or TURN server, every m-line on one transport."""
    return RTCConfiguration(iceServers=[], bundlePolicy=RTCBundlePolicy.MAX_BUNDLE)


@dataclass
class SendStats:
    packets: int = 0  # RTP packets sent, RTX not included
    rtx: int = 0  # retransmissions sent (answers to NACKs)
    feedback: Feedback = field(default_factory=Feedback)  # NACK / PLI / FIR received


class Publisher:
    """Publishes a clip's video and/or audio (`ReplayTrack`s) on one send-only peer connection."""

    def __init__(
        self, clip: Clip, *, video: bool = True, audio: bool = True, observer: PacketObserver | None = None
    ):
        self.pc = RTCPeerConnection(loopback_configuration())
        self.stats = SendStats()
        self.tracks: list[ReplayTrack] = []
        self._observer = observer
        self._types: dict[int, PayloadType] = {}
        for stream, wanted in ((clip.audio, audio), (clip.video, video)):
            if wanted:
                track = ReplayTrack(stream)
                self.tracks.append(track)
                self.pc.addTransceiver(track, direction="sendonly")

    async def offer(self) -> str:
        """The offer SDP, candidates included (gathered on 127.0.0.1 only)."""
        adapter.confine_peer(self.pc)
        await self.pc.setLocalDescription(await self.pc.createOffer())
        sdp = self.pc.localDescription.sdp
        self._types = payload_types(sdp)
        return sdp

    def tracks_by_mid(self) -> list[tuple[str, str]]:
        """(mid, kind) of each published track, after `offer()`."""
        return [(t.mid or "", t.kind) for t in self.pc.getTransceivers()]

    async def accept(self, answer_sdp: str) -> None:
        answer_sdp = drop_candidates_outside(answer_sdp, _loopback)
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=answer_sdp, type="answer"))
        self._types.update(payload_types(answer_sdp))
        for transport in adapter.dtls_transports(self.pc):
            adapter.observe_outgoing(transport, self._sent)
            adapter.observe_incoming_rtcp(transport, self.stats.feedback.count)

    def _sent(self, data: bytes) -> None:
        if is_rtcp(data):
            return
        kind = self._types.get(data[1] & 0x7F)
        if kind is None:
            return
        if kind.is_rtx:
            self.stats.rtx += 1
        else:
            self.stats.packets += 1
        if self._observer is not None:
            self._observer(kind.kind, data, kind.is_rtx)

    async def close(self) -> None:
        for track in self.tracks:
            track.stop()
        await self.pc.close()


@dataclass
class ReceiveStats:
    packets: int = 0  # RTP packets kept (media and RTX)
    received_bytes: int = 0  # RTP bytes that reached this peer, the dropped ones included
    rtx: int = 0  # of which retransmissions
    dropped: int = 0  # RTP packets dropped by the induced loss
    dropped_rtx: int = 0  # of which retransmissions
    frames: dict[str, int] = field(default_factory=lambda: {"audio": 0, "video": 0})  # never decoded
    feedback: Feedback = field(default_factory=Feedback)  # NACK / PLI / FIR sent
    streams: dict[int, SequenceLog] = field(default_factory=dict)  # media SSRC → what arrived
    kinds: dict[int, str] = field(default_factory=dict)  # media SSRC → "audio" | "video"


class Subscriber:
    """Receives whatever it is offered on one receive-only peer connection and decodes nothing: each
    receiver's complete encoded frames are counted and dropped (NACKs, RTX and RTP statistics work as
    usual). `loss` drops that share of incoming RTP packets (RTX included) at random — a loss pattern
    on this leg, before aiortc sees them."""

    def __init__(self, *, loss: float = 0.0, seed: int = 0, observer: PacketObserver | None = None) -> None:
        self.pc = RTCPeerConnection(loopback_configuration())
        self.stats = ReceiveStats()
        self.loss = loss
        self._random = random.Random(seed)
        self._observer = observer
        self._types: dict[int, PayloadType] = {}
        self._rtx: dict[int, int] = {}

    async def answer(self, offer_sdp: str) -> str:
        """Takes an offer (the first or a re-offer) and returns the answer SDP."""
        offer_sdp = drop_candidates_outside(offer_sdp, _loopback)
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=offer_sdp, type="offer"))
        self._types.update(payload_types(offer_sdp))
        self._rtx.update(rtx_pairs(offer_sdp))
        adapter.confine_peer(self.pc)
        for transceiver in self.pc.getTransceivers():
            adapter.divert_frames(transceiver.receiver, self._frame)
        for transport in adapter.dtls_transports(self.pc):
            adapter.filter_incoming_rtp(transport, self._keep)
            adapter.observe_outgoing(transport, self._sent)
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        return self.pc.localDescription.sdp

    def _frame(self, codec: RTCRtpCodecParameters, frame: JitterFrame) -> None:
        kind = codec.mimeType.split("/", 1)[0]
        self.stats.frames[kind] = self.stats.frames.get(kind, 0) + 1

    def _keep(self, data: bytes) -> bool:
        stats = self.stats
        stats.received_bytes += len(data)
        kind = self._types.get(data[1] & 0x7F)
        if self.loss and self._random.random() < self.loss:
            stats.dropped += 1
            if kind is not None and kind.is_rtx:
                stats.dropped_rtx += 1
            return False
        stats.packets += 1
        if kind is None or len(data) < 12:
            return True
        ssrc = int.from_bytes(data[8:12], "big")
        if kind.is_rtx:
            stats.rtx += 1
            media_ssrc = self._rtx.get(ssrc)
            start = 12 + 4 * (data[0] & 0x0F)
            if data[0] & 0x10:
                start += 4 + 4 * ((data[start + 2] << 8) | data[start + 3])
            if media_ssrc is not None and len(data) >= start + 2:
                self._log(media_ssrc, kind.kind).add((data[start] << 8) | data[start + 1])
        else:
            self._log(ssrc, kind.kind).add((data[2] << 8) | data[3])
        if self._observer is not None:
            self._observer(kind.kind, data, kind.is_rtx)
        return True

    def _log(self, ssrc: int, kind: str) -> SequenceLog:
        log = self.stats.streams.get(ssrc)
        if log is None:
            log = self.stats.streams[ssrc] = SequenceLog()
            self.stats.kinds[ssrc] = kind
        return log

    def _sent(self, data: bytes) -> None:
        if is_rtcp(data):
            self.stats.feedback.count(data)

    def undecoded(self) -> bool:
        """Whether every receiver still diverts its frames and no decoded frame waits on a track."""
        receivers = [t.receiver for t in self.pc.getTransceivers()]
        return all(adapter.frames_diverted(r) and adapter.track_queue_size(r) == 0 for r in receivers)

    async def close(self) -> None:
        await self.pc.close()
