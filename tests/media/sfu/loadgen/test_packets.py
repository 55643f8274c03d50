"""The byte helpers the load generator's peers count with: where an RTP payload lies, which RTCP
feedback a compound packet carries, what an SDP maps, and residual loss across a sequence wrap."""

from __future__ import annotations

import struct

from aiortc.rtcrtpparameters import RTCRtpHeaderExtensionParameters, RTCRtpParameters
from aiortc.rtp import HeaderExtensionsMap, RtcpPsfbPacket, RtcpRrPacket, RtcpRtpfbPacket, RtpPacket

from services.media.sfu.loadgen.packets import (
    Feedback,
    SequenceLog,
    drop_candidates_outside,
    payload_bounds,
    payload_types,
    rtx_pairs,
)

SDP = """v=0
m=audio 9 UDP/TLS/RTP/SAVPF 111
a=rtpmap:111 opus/48000/2
m=video 9 UDP/TLS/RTP/SAVPF 97 98
a=rtpmap:97 VP8/90000
a=rtpmap:98 rtx/90000
a=fmtp:98 apt=97
a=ssrc-group:FID 1111 2222
"""


def test_payload_bounds_skip_csrcs_and_extensions_and_padding() -> None:
    packet = RtpPacket(payload_type=97, sequence_number=1, timestamp=2, ssrc=3, payload=b"PAYLOAD")
    packet.csrc = [7, 8]
    packet.extensions.mid = "0"
    packet.padding_size = 5
    extensions = HeaderExtensionsMap()
    mid = RTCRtpHeaderExtensionParameters(id=1, uri="urn:ietf:params:rtp-hdrext:sdes:mid")
    extensions.configure(RTCRtpParameters(headerExtensions=[mid]))
    data = packet.serialize(extensions)
    start, end = payload_bounds(data)
    assert data[start:end] == b"PAYLOAD"


def test_feedback_counts_nack_pli_and_fir_in_a_compound_packet() -> None:
    compound = bytes(RtcpRrPacket(ssrc=1))
    compound += bytes(RtcpRtpfbPacket(fmt=1, ssrc=1, media_ssrc=2, lost=[10, 12]))
    compound += bytes(RtcpPsfbPacket(fmt=1, ssrc=1, media_ssrc=2))
    compound += bytes(RtcpPsfbPacket(fmt=4, ssrc=1, media_ssrc=0, fci=struct.pack("!IBBH", 2, 1, 0, 0)))
    feedback = Feedback()
    feedback.count(compound)
    assert feedback == Feedback(nack=1, pli=1, fir=1)


def test_sdp_maps_payload_types_to_kinds_and_rtx_to_its_media_ssrc() -> None:
    types = payload_types(SDP)
    assert (types[111].kind, types[111].codec) == ("audio", "opus")
    assert (types[97].kind, types[97].codec, types[97].is_rtx) == ("video", "vp8", False)
    assert types[98].is_rtx
    assert rtx_pairs(SDP) == {2222: 1111}


def test_residual_loss_counts_what_never_came_across_a_sequence_wrap() -> None:
    log = SequenceLog()
    for seq in (65533, 65534, 0, 2, 3):  # 65535 and 1 lost
        log.add(seq)
    assert log.expected() == 7
    assert log.missing() == 2
    log.add(65535)  # recovered by a retransmission
    assert log.missing() == 1
    assert log.missing_between(log.first or 0, log.highest) == 1


def test_candidates_outside_the_allowed_addresses_leave_the_sdp() -> None:
    sdp = (
        "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
        "a=candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host\r\n"
        "a=candidate:2 1 udp 2130706431 192.0.2.7 5001 typ host\r\n"
        "a=candidate:3 1 udp 1694498815 198.51.100.1 5002 typ srflx raddr 127.0.0.1 rport 5000\r\n"
        "a=end-of-candidates\r\n"
    )
    kept = drop_candidates_outside(sdp, lambda address: address.startswith("127."))
    assert "127.0.0.1 5000" in kept
    assert "192.0.2.7" not in kept
    assert "198.51.100.1" not in kept
    assert kept.endswith("a=end-of-candidates\r\n")
