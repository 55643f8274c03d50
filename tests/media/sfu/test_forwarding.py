"""Forwarding over real DTLS/SRTP transport pairs in one process (tests/media/sfu/transports.py): a
publisher's transport into the SFU, the SFU's transport out to a subscriber, crafted RTP and RTCP,
and loss patterns on either leg. What the subscriber receives is read at the RTP level."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import struct
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from aiortc import RTCDtlsTransport

from services.media.sfu import adapter
from services.media.sfu.adapter import Codec, RtpParameters
from services.media.sfu.forwarding import rtcp
from services.media.sfu.forwarding.downtrack import DownTrack
from services.media.sfu.forwarding.fanout import answer_feedback, fan_out, take_sender_reports
from services.media.sfu.forwarding.packets import HEADER, SSRC_AT_8, header_length
from services.media.sfu.forwarding.uptrack import UpTrack
from tests.media.sfu.transports import close_pair, dtls_pair, link_of
from tests.support.waiting import until

VP8 = Codec(96, "video/VP8", 90000)
VP8_RTX = Codec(97, "video/rtx", 90000, (("apt", "96"),))
# The subscriber's negotiation numbers things differently: the SFU must rewrite them.
SUB_VP8 = Codec(120, "video/VP8", 90000)
SUB_RTX = Codec(121, "video/rtx", 90000, (("apt", "120"),))

KEYFRAME = bytes((0x10, 0x00)) + b"k" * 200  # VP8 descriptor S=1 PID=0, then a key frame header (P=0)
DELTA = bytes((0x10, 0x01)) + b"d" * 200  # P=1: an inter frame


def rtp(ssrc: int, seq: int, ts: int, payload: bytes, pt: int = 96, marker: int = 1) -> bytes:
    return HEADER.pack(0x80, marker << 7 | pt, seq & 0xFFFF, ts & 0xFFFFFFFF, ssrc) + payload


@dataclass
class Received:
    rtp: list[bytes] = field(default_factory=list)
    rtcp: list[rtcp.Feedback] = field(default_factory=list)

    def media(self, ssrc: int) -> list[bytes]:
        return [packet for packet in self.rtp if SSRC_AT_8.unpack_from(packet, 8)[0] == ssrc]

    def sequences(self, ssrc: int) -> list[int]:
        return [HEADER.unpack_from(packet)[2] for packet in self.media(ssrc)]


@dataclass
class Rig:
    """A publisher client → SFU (an up-track) → subscriber client (one down-track of it)."""

    publisher: RTCDtlsTransport
    sfu_in: RTCDtlsTransport
    sfu_out: RTCDtlsTransport
    subscriber: RTCDtlsTransport
    up: UpTrack
    downtrack: DownTrack
    at_subscriber: Received
    at_publisher: Received
    uptracks: dict[int, UpTrack]

    async def publish(self, packet: bytes) -> None:
        await adapter.sender_of(self.publisher)(packet)

    async def subscriber_sends(self, packet: bytes) -> None:
        await adapter.sender_of(self.subscriber)(packet)


def _collect(into: Received) -> tuple[adapter.RtpHandler, adapter.RtcpHandler]:
    async def on_rtp(data: bytes, arrival_time_ms: int) -> None:
        into.rtp.append(data)

    async def on_rtcp(data: bytes) -> None:
        into.rtcp.extend(rtcp.parse(data))

    return on_rtp, on_rtcp


def in_order(send: adapter.Send) -> adapter.SendNow:
    """The engine sends RTP without awaiting (straight to the ICE pair's socket); over the in-memory
    link the same is a task per packet, which run in the order they were made."""
    loop = asyncio.get_running_loop()
    sending: set[asyncio.Task[None]] = set()

    def send_now(packet: bytes) -> None:
        task = loop.create_task(quietly(send, packet))
        sending.add(task)
        task.add_done_callback(sending.discard)

    return send_now


async def quietly(send: adapter.Send, packet: bytes) -> None:
    with contextlib.suppress(ConnectionError):
        await send(packet)


def up_track(publisher_leg: RTCDtlsTransport, keyframe_interval: float = 0.5) -> UpTrack:
    send = adapter.sender_of(publisher_leg)
    loop = asyncio.get_running_loop()
    return UpTrack(
        "publisher-session",
        "publisher-user",
        "camera",
        "video",
        feedback=lambda packet: loop.create_task(quietly(send, packet)) and None,
        schedule=loop.call_later,
        keyframe_interval=keyframe_interval,
    )


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    publisher, sfu_in = await dtls_pair()
    sfu_out, subscriber = await dtls_pair()
    up = up_track(sfu_in)
    up.bind(RtpParameters("0", (VP8, VP8_RTX), (), ssrc=1111, rtx_ssrc=1112), rtcp_ssrc=9)
    uptracks = {1111: up, 1112: up}

    async def sfu_rtp(data: bytes, arrival_time_ms: int) -> None:
        ssrc = SSRC_AT_8.unpack_from(data, 8)[0]
        track = uptracks.get(ssrc)
        if track is not None:
            fan_out(track, data, ssrc, time.monotonic())

    async def sfu_rtcp(data: bytes) -> None:
        take_sender_reports(data, uptracks)

    adapter.take_ingress(sfu_in, sfu_rtp, sfu_rtcp)
    downtrack = DownTrack(up, 5555, 5556, initial_sequence=100, initial_timestamp=1000)
    downtrack.configure(RtpParameters("0", (SUB_VP8, SUB_RTX), ()))
    downtrack.send = in_order(adapter.sender_of(sfu_out))
    up.downtracks.append(downtrack)

    async def sfu_out_rtcp(data: bytes) -> None:
        answer_feedback(data, {5555: downtrack}, in_order(adapter.sender_of(sfu_out)))

    async def ignore(data: bytes, arrival_time_ms: int) -> None:
        return None

    adapter.take_ingress(sfu_out, ignore, sfu_out_rtcp)
    at_subscriber, at_publisher = Received(), Received()
    adapter.take_ingress(subscriber, *_collect(at_subscriber))
    adapter.take_ingress(publisher, *_collect(at_publisher))
    yield Rig(publisher, sfu_in, sfu_out, subscriber, up, downtrack, at_subscriber, at_publisher, uptracks)
    with contextlib.suppress(Exception):
        await close_pair(publisher, sfu_in)
        await close_pair(sfu_out, subscriber)


async def test_the_subscriber_gets_its_own_ssrc_payload_type_and_numbering(rig: Rig) -> None:
    await rig.publish(rtp(1111, 40000, 7000, KEYFRAME))
    for i in range(1, 10):
        await rig.publish(rtp(1111, 40000 + i, 7000 + 3000 * i, DELTA))
    await until(lambda: len(rig.at_subscriber.media(5555)) == 10, within=5, what="ten forwarded packets")
    headers = [HEADER.unpack_from(packet) for packet in rig.at_subscriber.media(5555)]
    assert {b1 & 0x7F for _, b1, _, _, _ in headers} == {120}
    assert [seq for _, _, seq, _, _ in headers] == list(range(100, 110))
    assert [ts for _, _, _, ts, _ in headers] == [1000 + 3000 * i for i in range(10)]
    assert rig.at_subscriber.media(5555)[3][12:] == DELTA


async def test_sequence_numbers_run_on_across_a_publisher_switch(rig: Rig) -> None:
    for i in range(5):
        await rig.publish(rtp(1111, 40000 + i, 7000 + 3000 * i, KEYFRAME if i == 0 else DELTA))
    await until(lambda: len(rig.at_subscriber.media(5555)) == 5, within=5, what="publisher one")

    # Another publisher takes the m-line: wildly different SSRC, sequence numbers and timestamps.
    other = up_track(rig.sfu_in)
    other.bind(RtpParameters("1", (VP8, VP8_RTX), (), ssrc=2222), rtcp_ssrc=9)
    rig.uptracks[2222] = other
    rig.up.downtracks.remove(rig.downtrack)
    rig.downtrack.switch_source(other, time.monotonic())
    other.downtracks.append(rig.downtrack)
    await rig.publish(rtp(2222, 65530, 4_000_000_000, DELTA))  # not a keyframe: not forwarded
    await rig.publish(rtp(2222, 65531, 4_000_003_000, KEYFRAME))
    for i in range(2, 8):  # across the 16-bit wrap
        await rig.publish(rtp(2222, 65530 + i, 4_000_000_000 + 3000 * i, DELTA))
    await until(lambda: len(rig.at_subscriber.media(5555)) == 12, within=5, what="publisher two")

    sequences = rig.at_subscriber.sequences(5555)
    assert sequences == list(range(100, 112))
    timestamps = [HEADER.unpack_from(packet)[3] for packet in rig.at_subscriber.media(5555)]
    steps = [(b - a) & 0xFFFFFFFF for a, b in itertools.pairwise(timestamps)]
    assert all(0 < step < 90000 for step in steps), steps  # forward, and less than a second apart
    assert {SSRC_AT_8.unpack_from(packet, 8)[0] for packet in rig.at_subscriber.rtp} == {5555}


async def test_a_paused_track_resumes_at_a_keyframe_without_a_sequence_gap(rig: Rig) -> None:
    await rig.publish(rtp(1111, 1, 0, KEYFRAME))
    await rig.publish(rtp(1111, 2, 3000, DELTA))
    await until(lambda: len(rig.at_subscriber.media(5555)) == 2, within=5)
    rig.downtrack.pause()
    for i in range(3, 20):
        await rig.publish(rtp(1111, i, 3000 * i, DELTA))
    await until(lambda: rig.up.received == 19, within=5, what="the packets sent during the pause")
    rig.downtrack.resume(time.monotonic())
    await rig.publish(rtp(1111, 20, 60000, DELTA))
    await rig.publish(rtp(1111, 21, 63000, KEYFRAME))
    await rig.publish(rtp(1111, 22, 66000, DELTA))
    await until(lambda: rig.up.received == 22, within=5, what="the packets after the pause")
    await until(lambda: len(rig.at_subscriber.media(5555)) == 4, within=5, what="packets around the pause")
    assert rig.at_subscriber.sequences(5555) == [100, 101, 102, 103]
    timestamps = [HEADER.unpack_from(packet)[3] for packet in rig.at_subscriber.media(5555)]
    assert timestamps[2] - timestamps[1] == 60000  # the same source keeps its clock across a pause
    await until(lambda: any(isinstance(r, rtcp.KeyframeRequest) for r in rig.at_publisher.rtcp), within=5)


async def test_subscriber_nacks_are_answered_with_rtx_and_nothing_stays_lost(rig: Rig) -> None:
    """3 % loss on the subscriber's leg: every lost packet comes back as RTX (RFC 4588)."""
    link_of(rig.sfu_out).set_loss_pattern([False] * 32 + [True])
    await rig.publish(rtp(1111, 500, 0, KEYFRAME))
    for i in range(1, 200):
        await rig.publish(rtp(1111, 500 + i, 3000 * i, DELTA))
    await until(lambda: len(rig.at_subscriber.media(5555)) >= 190, within=5, what="most packets")
    got = set(rig.at_subscriber.sequences(5555))
    missing = sorted(set(range(100, 300)) - got)
    assert missing, "the loss pattern dropped nothing"

    link_of(rig.sfu_out).loss = None
    await rig.subscriber_sends(rtcp.nack(77, 5555, missing))
    await until(lambda: len(rig.at_subscriber.media(5556)) == len(missing), within=5, what="RTX answers")
    recovered = {}
    for packet in rig.at_subscriber.media(5556):
        offset = header_length(packet)
        assert packet[1] & 0x7F == 121  # the subscriber's RTX payload type
        recovered[int.from_bytes(packet[offset : offset + 2], "big")] = packet[offset + 2 :]
    assert sorted(recovered) == missing
    assert all(payload == DELTA for payload in recovered.values())
    assert got | set(recovered) == set(range(100, 300))  # 0 % residual loss


async def test_a_repeated_nack_within_one_rtt_is_ignored(rig: Rig) -> None:
    await rig.publish(rtp(1111, 1, 0, KEYFRAME))
    await rig.publish(rtp(1111, 2, 3000, DELTA))
    await until(lambda: len(rig.at_subscriber.media(5555)) == 2, within=5)
    rig.downtrack.rtt = 5.0  # a long round trip: the second NACK comes well inside it
    await rig.subscriber_sends(rtcp.nack(77, 5555, [101]))
    await rig.subscriber_sends(rtcp.nack(77, 5555, [101]))
    await until(lambda: len(rig.at_subscriber.media(5556)) >= 1, within=5, what="the first RTX")
    await rig.publish(rtp(1111, 3, 6000, DELTA))  # something after, to know the second NACK was handled
    await until(lambda: len(rig.at_subscriber.media(5555)) == 3, within=5)
    assert len(rig.at_subscriber.media(5556)) == 1


async def test_keyframe_requests_from_subscribers_reach_the_publisher_at_most_once_per_500_ms(
    rig: Rig,
) -> None:
    await rig.publish(rtp(1111, 1, 0, KEYFRAME))
    await until(lambda: rig.at_subscriber.media(5555), within=5)
    started = time.monotonic()
    for _ in range(20):
        await rig.subscriber_sends(rtcp.pli(77, 5555))

    def requests() -> list[rtcp.Feedback]:
        return [
            r for r in rig.at_publisher.rtcp if isinstance(r, rtcp.KeyframeRequest) and r.media_ssrc == 1111
        ]

    await until(lambda: len(requests()) == 1, within=5, what="one PLI to the publisher")
    assert rig.downtrack.keyframe_requests_received == 20
    # The ones asked meanwhile collapse into one more, sent when the interval has passed.
    await until(lambda: len(requests()) == 2, within=5, what="the collapsed second PLI")
    assert time.monotonic() - started >= 0.5
    assert len(requests()) == 2


async def test_losses_on_the_publishers_leg_are_nacked_upstream(rig: Rig) -> None:
    await rig.publish(rtp(1111, 10, 0, KEYFRAME))
    await rig.publish(rtp(1111, 11, 3000, DELTA))
    await rig.publish(rtp(1111, 14, 12000, DELTA))  # 12 and 13 never arrive

    def nacked() -> set[int]:
        return {seq for r in rig.at_publisher.rtcp if isinstance(r, rtcp.Nack) for seq in r.lost}

    await until(lambda: nacked() == {12, 13}, within=5, what="a NACK for 12 and 13")
    # The publisher's RTX repairs it, and the subscriber gets the packets in its own numbering.
    rtx = HEADER.pack(0x80, 0x80 | 97, 900, 6000, 1112) + (12).to_bytes(2, "big") + DELTA
    await rig.publish(rtx)
    await until(lambda: 102 in rig.at_subscriber.sequences(5555), within=5, what="the repaired packet")
    assert rig.up.missing == [13]


async def test_sender_reports_map_the_down_track_to_the_publishers_clock(rig: Rig) -> None:
    await rig.publish(rtp(1111, 1, 90000, KEYFRAME))
    await rig.publish(rtp(1111, 2, 93000, DELTA))
    await until(lambda: len(rig.at_subscriber.media(5555)) == 2, within=5)
    await adapter.sender_of(rig.publisher)(rtcp.sender_report(1111, rtcp.ntp_now(), 93000, 2, 404))
    await until(lambda: rig.up.sr_rtp == 93000, within=5, what="the publisher's SR")

    report = rig.downtrack.sender_report(time.monotonic(), time.time())
    assert report is not None
    await adapter.sender_of(rig.sfu_out)(report + rtcp.sdes([(5555, "parta-sfu")]))
    await until(lambda: [r for r in rig.at_subscriber.rtcp if isinstance(r, rtcp.SenderReport)], within=5)
    sr = next(r for r in rig.at_subscriber.rtcp if isinstance(r, rtcp.SenderReport))
    assert sr.ssrc == 5555
    assert sr.packet_count == 2
    assert sr.octet_count == len(KEYFRAME) + len(DELTA)
    # Publisher timestamp 93000 became 4000 on this down-track (90000 → 1000); the report is a moment later.
    assert (sr.rtp_timestamp - 4000) & 0xFFFFFFFF < 9000
    assert abs(((sr.ntp >> 32) - rtcp.NTP_EPOCH_OFFSET) - time.time()) < 5

    # The subscriber's receiver report about it: the loss it saw and, from our SR, the round trip.
    block = rtcp.ReportBlock(5555, 64, 3, 101, 0, rtcp.ntp_middle(sr.ntp), 0)
    await rig.subscriber_sends(rtcp.receiver_report(77, [block]))
    await until(lambda: rig.downtrack.reported_loss == 0.25, within=5, what="the reported loss")
    assert 0.005 <= rig.downtrack.rtt < 1.0


async def test_a_malformed_packet_is_dropped_and_forwarding_goes_on(rig: Rig) -> None:
    await rig.publish(rtp(1111, 1, 0, KEYFRAME))
    await until(lambda: len(rig.at_subscriber.media(5555)) == 1, within=5)
    truncated_extension = HEADER.pack(0x90, 0x80 | 96, 2, 3000, 1111) + b"\xbe\xde\x00\x09"
    empty_rtx = HEADER.pack(0x90, 0x80 | 97, 9, 3000, 1112) + b"\xbe"
    for bad in (truncated_extension, empty_rtx):
        with contextlib.suppress(ValueError, IndexError, struct.error):
            fan_out(rig.up, bad, SSRC_AT_8.unpack_from(bad, 8)[0], time.monotonic())
    await rig.publish(rtp(1111, 3, 6000, DELTA))
    await until(lambda: len(rig.at_subscriber.media(5555)) == 2, within=5, what="forwarding after")
