"""RTP bytes: the fixed header, header extensions, RTX (RFC 4588) and keyframe detection (VP8,
H.264), with `struct` on bytes — the per-packet path parses a header once and builds a new one,
never a packet object."""

from __future__ import annotations

import struct

HEADER = struct.Struct("!BBHII")  # V/P/X/CC, M/PT, sequence number, timestamp, SSRC
SEQUENCE = struct.Struct("!H")
SSRC_AT_8 = struct.Struct("!I")
EXTENSION_HEADER = struct.Struct("!HH")  # profile, length in 32-bit words

ONE_BYTE_PROFILE = 0xBEDE
PADDING_BIT = 0x20
EXTENSION_BIT = 0x10


def seq_newer(a: int, b: int) -> bool:
    """Whether sequence number `a` comes after `b` (16-bit wrap-around)."""
    return a != b and ((a - b) & 0xFFFF) < 0x8000


def header_length(data: bytes) -> int:
    """Length of the RTP header with CSRCs and the extension block; raises ValueError if short."""
    if len(data) < 12:
        raise ValueError("RTP packet too short")
    offset = 12 + 4 * (data[0] & 0x0F)
    if data[0] & EXTENSION_BIT:
        if len(data) < offset + 4:
            raise ValueError("RTP extension header too short")
        _, words = EXTENSION_HEADER.unpack_from(data, offset)
        offset += 4 + 4 * words
    if offset > len(data):
        raise ValueError("RTP header longer than the packet")
    return offset


def find_one_byte_extension(data: bytes, start: int, end: int, ext_id: int) -> int:
    """Offset of the value of one-byte header extension `ext_id` in data[start:end], or -1."""
    i = start
    while i < end:
        byte = data[i]
        if byte == 0:  # padding
            i += 1
            continue
        element_id = byte >> 4
        length = (byte & 0x0F) + 1
        if element_id == 15:
            return -1
        if element_id == ext_id:
            return i + 1
        i += 1 + length
    return -1


def read_mid(data: bytes, mid_id: int) -> str | None:
    """The value of the sdes:mid header extension (RFC 8843), when the packet carries it."""
    if not mid_id or not data[0] & EXTENSION_BIT:
        return None
    offset = 12 + 4 * (data[0] & 0x0F)
    profile, words = EXTENSION_HEADER.unpack_from(data, offset)
    if profile != ONE_BYTE_PROFILE:
        return None
    at = find_one_byte_extension(data, offset + 4, offset + 4 + 4 * words, mid_id)
    if at < 0:
        return None
    length = (data[at - 1] & 0x0F) + 1
    return data[at : at + length].decode("ascii", "replace")


def audio_level_extension(ext_id: int, level_byte: int) -> bytes:
    """A one-byte-header extension block carrying only the audio level (RFC 6464)."""
    return bytes((0xBE, 0xDE, 0, 1, ext_id << 4, level_byte, 0, 0))


def wrap_rtx(packet: bytes, rtx_payload_type: int, rtx_sequence: int, rtx_ssrc: int) -> bytes:
    """The RTX packet (RFC 4588 section 4) retransmitting `packet`: same header extensions and
    timestamp, RTX payload type / sequence / SSRC, the original sequence number before the payload."""
    offset = header_length(packet)
    b0, b1, _, timestamp, _ = HEADER.unpack_from(packet)
    return b"".join(
        (
            HEADER.pack(b0, (b1 & 0x80) | rtx_payload_type, rtx_sequence, timestamp, rtx_ssrc),
            packet[12:offset],
            packet[2:4],
            packet[offset:],
        )
    )


def unwrap_rtx(packet: bytes, payload_type: int, ssrc: int) -> bytes | None:
    """The original packet inside an RTX packet (its padding dropped), or None for one that carries
    no original (the padding-only probes a browser sends to measure bandwidth)."""
    offset = header_length(packet)
    b0, b1, _, timestamp, _ = HEADER.unpack_from(packet)
    end = len(packet) - (packet[-1] if b0 & PADDING_BIT and len(packet) > offset else 0)
    if end < offset + 2:
        return None
    original_sequence = packet[offset : offset + 2]
    head = HEADER.pack(b0 & ~PADDING_BIT, (b1 & 0x80) | payload_type, 0, timestamp, ssrc)
    return b"".join((head[:2], original_sequence, head[4:], packet[12:offset], packet[offset + 2 : end]))


def is_keyframe(codec: str, payload: bytes) -> bool:
    """Whether this RTP payload starts a keyframe (`codec` "vp8" or "h264"; audio: always True)."""
    if codec == "vp8":
        return _vp8_keyframe(payload)
    if codec == "h264":
        return _h264_keyframe(payload)
    return codec not in ("vp9", "av1")


def _vp8_keyframe(payload: bytes) -> bool:
    # RFC 7741 section 4.2: the payload descriptor, then the VP8 payload header (P bit 0 = key frame).
    if len(payload) < 2:
        return False
    first = payload[0]
    if not first & 0x10 or first & 0x07:  # S: start of a partition, PID 0
        return False
    i = 1
    if first & 0x80:  # X: extended control bits
        extended = payload[i]
        i += 1
        if extended & 0x80:  # I: picture id, 7 or 15 bits
            i += 2 if payload[i] & 0x80 else 1
        if extended & 0x40:  # L: TL0PICIDX
            i += 1
        if extended & 0x30:  # T or K
            i += 1
    return i < len(payload) and not payload[i] & 0x01


def _h264_keyframe(payload: bytes) -> bool:
    # RFC 6184: a single NAL unit, STAP-A (24) or FU-A (28) starting an IDR (5) or with an SPS (7).
    if not payload:
        return False
    nal = payload[0] & 0x1F
    if nal in (5, 7):
        return True
    if nal == 24:
        i = 1
        while i + 2 < len(payload):
            size = (payload[i] << 8) | payload[i + 1]
            if payload[i + 2] & 0x1F in (5, 7):
                return True
            i += 2 + size
        return False
    if nal == 28 and len(payload) > 1:
        return bool(payload[1] & 0x80) and payload[1] & 0x1F in (5, 7)
    return False
