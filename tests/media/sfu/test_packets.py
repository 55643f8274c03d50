"""RTP and RTCP bytes as the SFU reads and writes them: keyframe detection (VP8, H.264), RTX wrap
and unwrap (RFC 4588), the mid extension, and RTCP reports and feedback written then read back."""

from __future__ import annotations

import pytest

from services.media.sfu.forwarding import rtcp
from services.media.sfu.forwarding.packets import HEADER, is_keyframe, read_mid, unwrap_rtx, wrap_rtx


@pytest.mark.parametrize(
    ("payload", "keyframe"),
    [
        (bytes((0x10, 0x00, 0x9D)), True),  # S=1, PID 0, P=0
        (bytes((0x10, 0x01, 0x9D)), False),  # an inter frame
        (bytes((0x00, 0x00, 0x9D)), False),  # not the start of a partition
        (bytes((0x90, 0x80, 0x81, 0x23, 0x00)), True),  # X, I with a 15-bit picture id
        (bytes((0x90, 0xE0, 0x12, 0x05, 0x40, 0x00)), True),  # X, I (7 bit), L, T
        (bytes((0x90, 0x80, 0x12, 0x01)), False),
    ],
)
def test_vp8_keyframes_are_recognised_through_the_payload_descriptor(payload: bytes, keyframe: bool) -> None:
    assert is_keyframe("vp8", payload) is keyframe


@pytest.mark.parametrize(
    ("payload", "keyframe"),
    [
        (bytes((0x65, 0x88)), True),  # an IDR slice
        (bytes((0x67, 0x42)), True),  # an SPS
        (bytes((0x41, 0x9A)), False),  # a non-IDR slice
        (bytes((0x78, 0x00, 0x02, 0x67, 0x42, 0x00, 0x02, 0x68, 0xCE)), True),  # STAP-A: SPS, PPS
        (bytes((0x7C, 0x85, 0x00)), True),  # FU-A starting an IDR
        (bytes((0x7C, 0x05, 0x00)), False),  # FU-A continuing it
        (bytes((0x7C, 0x81, 0x00)), False),  # FU-A starting a P slice
    ],
)
def test_h264_keyframes_are_recognised_in_single_stap_a_and_fu_a_units(
    payload: bytes, keyframe: bool
) -> None:
    assert is_keyframe("h264", payload) is keyframe


def test_rtx_carries_the_original_sequence_number_and_unwraps_to_the_original() -> None:
    extension = bytes((0xBE, 0xDE, 0, 1, 0x20, 0x85, 0, 0))
    original = HEADER.pack(0x90, 0x80 | 96, 4242, 90000, 1111) + extension + b"payload"
    rtx = wrap_rtx(original, rtx_payload_type=97, rtx_sequence=7, rtx_ssrc=2222)
    _, b1, seq, ts, ssrc = HEADER.unpack_from(rtx)
    assert (b1 & 0x7F, b1 >> 7, seq, ts, ssrc) == (97, 1, 7, 90000, 2222)
    assert rtx[12:20] == extension
    assert rtx[20:22] == (4242).to_bytes(2, "big")
    assert unwrap_rtx(rtx, payload_type=96, ssrc=1111) == original


def test_an_empty_rtx_probe_unwraps_to_nothing() -> None:
    assert unwrap_rtx(HEADER.pack(0x80, 97, 1, 2, 3), payload_type=96, ssrc=1) is None
    padding_only = HEADER.pack(0xA0, 97, 1, 2, 3) + bytes(223) + bytes((224,))
    assert unwrap_rtx(padding_only, payload_type=96, ssrc=1) is None


def test_an_rtx_packet_with_padding_unwraps_without_it() -> None:
    rtx = HEADER.pack(0xA0, 97, 1, 2, 3) + (77).to_bytes(2, "big") + b"media" + bytes((0, 0, 3))
    assert unwrap_rtx(rtx, payload_type=96, ssrc=1) == HEADER.pack(0x80, 96, 77, 2, 1) + b"media"


def test_the_mid_extension_is_read_when_present() -> None:
    packet = HEADER.pack(0x90, 96, 1, 2, 3) + bytes((0xBE, 0xDE, 0, 1, 0x30, ord("1"), 0, 0)) + b"x"
    assert read_mid(packet, 3) == "1"
    assert read_mid(packet, 4) is None
    assert read_mid(HEADER.pack(0x80, 96, 1, 2, 3) + b"x", 3) is None


def test_rtcp_feedback_written_by_the_sfu_reads_back() -> None:
    block = rtcp.ReportBlock(
        ssrc=5, fraction_lost=12, packets_lost=-3, highest_sequence=70000, jitter=9, lsr=1, dlsr=2
    )
    compound = (
        rtcp.sender_report(1, ntp=rtcp.ntp_now(1_700_000_000.5), rtp_timestamp=4, packets=5, octets=6)
        + rtcp.sdes([(1, "parta-sfu")])
        + rtcp.receiver_report(2, [block])
        + rtcp.nack(3, 4, [10, 11, 13, 40, 65535, 0])
        + rtcp.pli(3, 4)
        + rtcp.remb(3, 1_500_000, [4])
    )
    records = rtcp.parse(compound)
    assert records[0] == rtcp.SenderReport(1, rtcp.ntp_now(1_700_000_000.5), 4, 5, 6, ())
    assert records[1] == rtcp.ReceiverReport(2, (block,))
    assert records[2] == rtcp.Nack(4, (10, 11, 13, 40, 65535, 0))
    assert records[3] == rtcp.KeyframeRequest(4)
    assert records[4] == rtcp.Remb(1_500_000 >> 3 << 3, (4,))  # 18 bits of mantissa
    assert len(records) == 5  # SDES is written, not read


def test_a_fir_asks_a_keyframe_of_each_ssrc_it_names() -> None:
    body = rtcp.FEEDBACK.pack(3, 0) + (7).to_bytes(4, "big") + bytes((1, 0, 0, 0))
    fir = rtcp.COMMON.pack(0x80 | rtcp.FMT_FIR, rtcp.PSFB, len(body) // 4) + body
    assert rtcp.parse(fir) == [rtcp.KeyframeRequest(7)]


def test_malformed_rtcp_is_ignored() -> None:
    assert rtcp.parse(b"\x80\xc8\x00\x40" + b"\x00" * 8) == []
    assert rtcp.parse(b"") == []
