"""Client peers for the engine's tests, on 127.0.0.1 only: a publisher that sends crafted RTP (a VP8
key frame then inter frames, Opus-sized audio with an audio level) on an aiortc peer connection
without encoding anything, and a subscriber that counts what arrives at the RTP level without
decoding. Both gather only loopback candidates and drop every other one (the issue's network
safety)."""

from __future__ import annotations

import contextlib
import dataclasses
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from aiortc import RTCPeerConnection, RTCRtpSender, RTCRtpTransceiver, RTCSessionDescription

from services.media.sfu import adapter
from services.media.sfu.engine import SfuEngine
from services.media.sfu.forwarding import rtcp
from services.media.sfu.forwarding.packets import HEADER, SSRC_AT_8, header_length
from services.media.sfu.ports import Connection, Role, Source, SubscriberOffer, TrackInfo
from tests.support.waiting import until

LOOPBACK = adapter.parse_networks(["127.0.0.0/8"])
VP8_KEYFRAME = bytes((0x10, 0x00)) + b"K" * 900
VP8_DELTA = bytes((0x10, 0x01)) + b"D" * 700
OPUS = b"\xfc" + b"o" * 80
H264_IDR = bytes((0x65, 0x88)) + b"I" * 900  # a single NAL unit: an IDR slice
H264_SLICE = bytes((0x41, 0x9A)) + b"P" * 700


def restrict(pc: RTCPeerConnection) -> None:
    adapter.confine_peer(pc, ("127.0.0.1",), LOOPBACK)


@dataclass
class PublishingClient:
    """A client's publisher peer: an audio and a video m-line it fills with crafted packets."""

    pc: RTCPeerConnection
    audio: RTCRtpTransceiver
    video: RTCRtpTransceiver
    level: int = 127  # the audio level it reports (-dBov; 0 is loudest)
    sequence: dict[str, int] = field(default_factory=lambda: {"audio": 1000, "video": 30000})
    timestamp: dict[str, int] = field(default_factory=lambda: {"audio": 0, "video": 0})
    sent: dict[str, int] = field(default_factory=lambda: {"audio": 0, "video": 0})
    feedback: list[rtcp.Feedback] = field(default_factory=list)  # RTCP the SFU sent it

    @classmethod
    def new(cls, video_codec: str = "VP8") -> PublishingClient:
        """`video_codec` "VP8", or "H264" to offer only H.264 (as a browser without VP8 would)."""
        pc = adapter.new_peer_connection([])
        audio = pc.addTransceiver("audio", direction="sendonly")
        video = pc.addTransceiver("video", direction="sendonly")
        if video_codec != "VP8":
            video.setCodecPreferences(
                [
                    c
                    for c in RTCRtpSender.getCapabilities("video").codecs
                    if c.mimeType == f"video/{video_codec}"
                ]
            )
        restrict(pc)
        client = cls(pc, audio, video)
        adapter.take_ingress(adapter.dtls_transport(audio), client._on_rtp, client._on_rtcp)
        return client

    async def _on_rtp(self, data: bytes, arrival_time_ms: int) -> None:
        return None

    async def _on_rtcp(self, data: bytes) -> None:
        self.feedback.extend(rtcp.parse(data))

    def keyframe_requests(self) -> int:
        return sum(1 for record in self.feedback if record == rtcp.KeyframeRequest(self.ssrc("video")))

    async def offer(self) -> tuple[str, list[TrackInfo]]:
        await self.pc.setLocalDescription(await self.pc.createOffer())
        tracks = [
            TrackInfo(mid=str(self.audio.mid), kind="audio", source=Source.MICROPHONE),
            TrackInfo(mid=str(self.video.mid), kind="video", source=Source.CAMERA),
        ]
        return str(self.pc.localDescription.sdp), tracks

    async def accept(self, answer: str) -> None:
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))

    def ssrc(self, kind: str) -> int:
        return adapter.sender_ssrcs(self.audio if kind == "audio" else self.video)[0]

    def _payload_type(self, kind: str) -> int:
        transceiver = self.audio if kind == "audio" else self.video
        return adapter.transceiver_codecs(transceiver)[0].payload_type

    async def send(self, kind: str, *, keyframe: bool = False) -> None:
        """One packet of `kind` (a whole frame: marker set)."""
        seq, ts = self.sequence[kind], self.timestamp[kind]
        self.sequence[kind] = (seq + 1) & 0xFFFF
        if kind == "audio":
            self.timestamp[kind] = ts + 960
            level_id = dict(adapter.transceiver_extensions(self.audio)).get(adapter.AUDIO_LEVEL_URI, 0)
            extension = bytes((0xBE, 0xDE, 0, 1, level_id << 4, 0x80 | self.level, 0, 0)) if level_id else b""
            first = 0x90 if extension else 0x80
            packet = (
                HEADER.pack(first, 0x80 | self._payload_type(kind), seq, ts, self.ssrc(kind))
                + extension
                + OPUS
            )
        else:
            self.timestamp[kind] = ts + 3000
            h264 = adapter.transceiver_codecs(self.video)[0].name == "h264"
            if h264:
                payload = H264_IDR if keyframe else H264_SLICE
            else:
                payload = VP8_KEYFRAME if keyframe else VP8_DELTA
            packet = HEADER.pack(0x80, 0x80 | self._payload_type(kind), seq, ts, self.ssrc(kind)) + payload
        transport = adapter.dtls_transport(self.audio)
        with contextlib.suppress(ConnectionError):
            await adapter.sender_of(transport)(packet)
            self.sent[kind] += 1

    async def close(self) -> None:
        await self.pc.close()


@dataclass
class SubscribingClient:
    """A client's subscriber peer: answers the SFU's offers and counts RTP per SSRC, undecoded."""

    pc: RTCPeerConnection
    received: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    rtx: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    kinds: dict[int, str] = field(default_factory=dict)  # SSRC → "audio" | "video"
    sender_reports: list[rtcp.SenderReport] = field(default_factory=list)
    payload_types: dict[str, set[int]] = field(default_factory=lambda: {"audio": set(), "video": set()})
    tracks: tuple[TrackInfo, ...] = ()
    # Loss on this leg: every n-th media packet is dropped on arrival (and NACKed at once).
    drop_every: int = 0
    dropped: list[int] = field(default_factory=list)
    _arrived: int = 0
    _hooked: bool = False

    @classmethod
    def new(cls) -> SubscribingClient:
        return cls(adapter.new_peer_connection([]))

    async def answer(self, offer: SubscriberOffer) -> str:
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=offer.sdp, type="offer"))
        if not self._hooked and self.pc.getTransceivers():
            restrict(self.pc)
            adapter.take_ingress(
                adapter.dtls_transport(self.pc.getTransceivers()[0]), self._on_rtp, self._on_rtcp
            )
            self._hooked = True
        self.tracks = offer.tracks
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        return str(self.pc.localDescription.sdp)

    async def _on_rtp(self, data: bytes, arrival_time_ms: int) -> None:
        (ssrc,) = SSRC_AT_8.unpack_from(data, 8)
        if data[1] & 0x7F in self._rtx_payload_types():
            offset = header_length(data)
            self.rtx[ssrc].append(int.from_bytes(data[offset : offset + 2], "big"))
            return
        seq = HEADER.unpack_from(data)[2]
        if self.drop_every:
            self._arrived += 1
            if self._arrived % self.drop_every == 0:  # lost on the way: ask again at once
                self.dropped.append(seq)
                transport = adapter.dtls_transport(self.pc.getTransceivers()[0])
                with contextlib.suppress(ConnectionError):
                    await adapter.sender_of(transport)(rtcp.nack(1, ssrc, [seq]))
                return
        self.received[ssrc].append(seq)
        payload_type = data[1] & 0x7F
        if ssrc not in self.kinds:
            self.kinds[ssrc] = next(
                transceiver.kind
                for transceiver in self.pc.getTransceivers()
                if any(
                    codec.payload_type == payload_type for codec in adapter.transceiver_codecs(transceiver)
                )
            )
        self.payload_types[self.kinds[ssrc]].add(payload_type)

    def _rtx_payload_types(self) -> set[int]:
        return {
            codec.payload_type
            for transceiver in self.pc.getTransceivers()
            for codec in adapter.transceiver_codecs(transceiver)
            if codec.is_rtx
        }

    async def _on_rtcp(self, data: bytes) -> None:
        self.sender_reports += [
            record for record in rtcp.parse(data) if isinstance(record, rtcp.SenderReport)
        ]

    def of_kind(self, kind: str) -> list[int]:
        """The sequence numbers received on the m-lines of `kind` (all of them together)."""
        return [
            seq
            for ssrc, sequences in self.received.items()
            if self.kinds.get(ssrc) == kind
            for seq in sequences
        ]

    def count(self) -> int:
        return sum(len(sequences) for sequences in self.received.values())

    async def close(self) -> None:
        await self.pc.close()


async def publish(
    engine: SfuEngine, call_id: str, session_id: str, client: PublishingClient, *, mic_muted: bool = False
) -> None:
    """Negotiates the client's publisher peer with the engine (`mic_muted`: the page publishes its
    microphone as muted)."""
    sdp, tracks = await client.offer()
    tracks = [dataclasses.replace(t, muted=mic_muted and t.source is Source.MICROPHONE) for t in tracks]
    answer = await engine.negotiate(call_id, session_id, Role.PUBLISHER, "offer", sdp, tracks)
    assert answer is not None
    await client.accept(answer)


async def flowing(
    publisher: PublishingClient, subscriber: SubscribingClient, streams: int, *, audio: bool = True
) -> None:
    """Sends video key frames (and audio, unless `audio` is False) until the subscriber receives
    `streams` streams."""

    async def check() -> bool:
        await publisher.send("video", keyframe=True)
        if audio:
            await publisher.send("audio")
        return len([ssrc for ssrc, seqs in subscriber.received.items() if seqs]) >= streams

    await until(check, within=10, what=f"{streams} streams flowing")


@contextlib.asynccontextmanager
async def alice_to_carol(
    engine: SfuEngine, call_id: str, *, video_codec: str = "VP8"
) -> AsyncIterator[tuple[PublishingClient, SubscribingClient]]:
    """Alice publishes her microphone and camera and Carol subscribes (both sessions opened, both may
    publish), their peers connected; both clients closed on the way out."""
    await engine.open_session(call_id, "alice", "user-alice", may_publish=True)
    await engine.open_session(call_id, "carol", "user-carol", may_publish=True)
    alice, carol = PublishingClient.new(video_codec=video_codec), SubscribingClient.new()
    try:
        await publish(engine, call_id, "alice", alice)
        await subscribe(engine, call_id, "carol", carol)
        await wait_connected(alice.pc, carol.pc)
        yield alice, carol
    finally:
        await alice.close()
        await carol.close()


async def wait_connected(*pcs: RTCPeerConnection) -> None:
    await until(
        lambda: all(pc.connectionState == "connected" for pc in pcs), within=10, what="peers connected"
    )


@dataclass
class Listener:
    offers: list[tuple[str, SubscriberOffer]] = field(default_factory=list)
    speakers: list[tuple[str, str, list[tuple[str, str]]]] = field(default_factory=list)
    mutes: list[tuple[str, Source]] = field(default_factory=list)
    states: list[tuple[str, Connection]] = field(default_factory=list)

    def subscriber_offer(self, call_id: str, session_id: str, user_id: str, offer: SubscriberOffer) -> None:
        self.offers.append((session_id, offer))

    def active_speaker(
        self, call_id: str, speaker_user_id: str, speaker_session_id: str, recipients: list[tuple[str, str]]
    ) -> None:
        self.speakers.append((speaker_user_id, speaker_session_id, recipients))

    def muted(self, call_id: str, session_id: str, user_id: str, source: Source) -> None:
        self.mutes.append((session_id, source))

    def session_state(self, call_id: str, session_id: str, user_id: str, connection: Connection) -> None:
        self.states.append((session_id, connection))

    def offers_for(self, session_id: str) -> list[SubscriberOffer]:
        return [offer for session, offer in self.offers if session == session_id]


async def subscribe(engine: SfuEngine, call_id: str, session_id: str, client: SubscribingClient) -> None:
    """The client subscribes (the engine's first offer) and answers."""
    offer = await engine.subscribe(call_id, session_id)
    await answer(engine, call_id, session_id, client, offer)


async def answer(
    engine: SfuEngine, call_id: str, session_id: str, client: SubscribingClient, offer: SubscriberOffer
) -> None:
    sdp = await client.answer(offer)
    assert await engine.negotiate(call_id, session_id, Role.SUBSCRIBER, "answer", sdp, []) is None


async def settle(
    engine: SfuEngine,
    call_id: str,
    publishers: dict[str, PublishingClient],
    *subscribers: tuple[str, SubscribingClient],
) -> None:
    """Waits until the engine has taken in every packet the publishers sent (by session id) and each
    subscriber client has everything the engine forwarded to it — a fence between test steps."""
    room = engine._rooms[call_id]
    sessions = {session.session_id: session for session in room.sessions()}

    def taken_in() -> bool:
        for session_id, client in publishers.items():
            tracks = sessions[session_id].tracks.values()
            for kind in ("audio", "video"):
                if sum(up.received for up in tracks if up.kind == kind) < client.sent[kind]:
                    return False
        return True

    def delivered() -> bool:
        for session_id, client in subscribers:
            peer = sessions[session_id].subscriber
            assert peer is not None
            forwarded = sum(slot.downtrack.packets_sent for slot in peer.slots if slot.downtrack is not None)
            if client.count() < forwarded:
                return False
        return True

    await until(taken_in, within=10, what="the engine taking in every packet")
    await until(delivered, within=10, what="subscribers receiving every forwarded packet")
