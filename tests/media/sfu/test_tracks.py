"""Up- and down-tracks alone, without transports: payload types mapped by codec (H.264 too), NACKs
upstream bounded as LiveKit's, a resend at most once per RTT, the active speaker debounced."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from services.media.sfu.adapter import Codec, RtpParameters
from services.media.sfu.forwarding import rtcp
from services.media.sfu.forwarding.downtrack import DownTrack
from services.media.sfu.forwarding.packets import HEADER
from services.media.sfu.forwarding.speaker import SpeakerDetector
from services.media.sfu.forwarding.uptrack import MAX_NACK_TRIES, UpTrack

H264 = Codec(102, "video/H264", 90000, (("packetization-mode", "1"), ("profile-level-id", "42e01f")))
H264_MODE_0 = Codec(104, "video/H264", 90000, (("packetization-mode", "0"), ("profile-level-id", "42e01f")))
VP8 = Codec(96, "video/VP8", 90000)
IDR = bytes((0x65, 0x88, 0x80))


def up(kind: str = "video", feedback: list[bytes] | None = None) -> UpTrack:
    sent = feedback if feedback is not None else []
    timers: list[tuple[float, Callable[[], None]]] = []

    def schedule(delay: float, callback: Callable[[], None]) -> Any:
        timers.append((delay, callback))

    return UpTrack("s", "u", "camera", kind, feedback=sent.append, schedule=schedule)


def packet(seq: int, payload: bytes, pt: int = 102, ssrc: int = 1) -> bytes:
    return HEADER.pack(0x80, 0x80 | pt, seq & 0xFFFF, seq * 3000 & 0xFFFFFFFF, ssrc) + payload


def test_an_h264_publisher_reaches_a_subscriber_on_its_h264_payload_type() -> None:
    track = up()
    track.bind(RtpParameters("0", (H264,), (), ssrc=1), rtcp_ssrc=9)
    down = DownTrack(track, 50, 51, initial_sequence=0, initial_timestamp=0)
    down.configure(
        RtpParameters("0", (VP8, H264_MODE_0, Codec(110, "video/H264", 90000, H264.parameters)), ())
    )
    parsed = track.on_packet(packet(1, IDR), 1, 0.0)
    assert parsed is not None
    out = down.rewrite(1, *parsed, now=0.0)
    assert out is not None
    assert out[1] & 0x7F == 110  # the same packetization mode, not merely the same name


def test_upstream_nacks_stop_after_a_bounded_number_of_tries() -> None:
    sent: list[bytes] = []
    track = up(feedback=sent)
    track.bind(RtpParameters("0", (VP8,), (), ssrc=1), rtcp_ssrc=9)
    track.on_packet(packet(1, b"\x10\x00", pt=96), 1, 0.0)
    track.on_packet(packet(3, b"\x10\x01", pt=96), 1, 0.0)  # 2 is lost
    now = 0.0
    for seq in range(4, 40):
        now += 0.1
        track.on_packet(packet(seq, b"\x10\x01", pt=96), 1, now)
    nacks = [record for data in sent for record in rtcp.parse(data) if isinstance(record, rtcp.Nack)]
    assert [nack.lost for nack in nacks] == [(2,)] * MAX_NACK_TRIES
    assert track.missing == []
    assert track.lost_total == 1


def test_a_nacked_packet_is_resent_at_most_once_per_round_trip() -> None:
    track = up()
    track.bind(RtpParameters("0", (VP8,), (), ssrc=1), rtcp_ssrc=9)
    down = DownTrack(track, 50, 51, initial_sequence=1000, initial_timestamp=0)
    down.configure(RtpParameters("0", (VP8,), ()))  # no RTX negotiated: the packet itself again
    parsed = track.on_packet(packet(7, b"\x10\x00key", pt=96), 1, 0.0)
    assert parsed is not None
    sent = down.rewrite(1, *parsed, now=0.0)
    assert down.on_nack([1000], now=0.01) == [sent]
    assert down.on_nack([1000], now=0.02) == []  # within the RTT (70 ms by default)
    assert down.on_nack([1000], now=0.2) == [sent]
    assert down.on_nack([999, 1234], now=0.5) == []  # never sent


def test_the_active_speaker_changes_only_after_holding_two_intervals() -> None:
    detector = SpeakerDetector(hold=2)
    assert detector.observe({"alice": (300, 15), "bob": (10, 6)}) is None
    assert detector.observe({"alice": (280, 15), "bob": (20, 6)}) == "alice"
    assert detector.observe({"alice": (10, 6), "bob": (300, 15)}) is None  # a cough
    assert detector.observe({"alice": (300, 15), "bob": (10, 6)}) is None  # still alice
    assert detector.observe({"alice": (0, 0), "bob": (0, 0)}) is None  # silence keeps the speaker
    assert detector.speaker == "alice"
    assert detector.observe({"bob": (300, 15)}) is None
    assert detector.observe({"bob": (300, 15)}) == "bob"
    assert detector.observe({"carol": (900, 3)}) is None  # too few speech packets to count
