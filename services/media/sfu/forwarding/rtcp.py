"""RTCP bytes (RFC 3550, RFC 4585, RFC 5104): the reports and feedback the SFU reads from peers and
the ones it writes — sender reports with SDES, receiver reports, NACK, PLI and REMB. A compound
packet is parsed into small plain records; unknown packet types are skipped."""

from __future__ import annotations

import struct
import time
from dataclasses import dataclass

COMMON = struct.Struct("!BBH")
SSRC = struct.Struct("!I")
SENDER_INFO = struct.Struct("!IQIII")  # sender SSRC, NTP, RTP timestamp, packets, octets
REPORT_BLOCK = struct.Struct("!IIIIII")
FEEDBACK = struct.Struct("!II")  # sender SSRC, media SSRC
NACK_ITEM = struct.Struct("!HH")

SR, RR, SDES, BYE, RTPFB, PSFB = 200, 201, 202, 203, 205, 206
FMT_NACK = 1
FMT_PLI, FMT_FIR, FMT_APP = 1, 4, 15

NTP_EPOCH_OFFSET = 2208988800  # seconds from 1900 to 1970


def ntp_now(now: float | None = None) -> int:
    """The 64-bit NTP timestamp of wall-clock time `now` (default: now)."""
    seconds = time.time() if now is None else now
    whole = int(seconds)
    return ((whole + NTP_EPOCH_OFFSET) << 32) | int((seconds - whole) * (1 << 32))


def ntp_middle(ntp: int) -> int:
    """The middle 32 bits of an NTP timestamp (LSR in a report block)."""
    return (ntp >> 16) & 0xFFFFFFFF


@dataclass(frozen=True)
class ReportBlock:
    ssrc: int
    fraction_lost: int
    packets_lost: int
    highest_sequence: int
    jitter: int
    lsr: int
    dlsr: int


@dataclass(frozen=True)
class SenderReport:
    ssrc: int
    ntp: int
    rtp_timestamp: int
    packet_count: int
    octet_count: int
    reports: tuple[ReportBlock, ...]


@dataclass(frozen=True)
class ReceiverReport:
    ssrc: int
    reports: tuple[ReportBlock, ...]


@dataclass(frozen=True)
class Nack:
    media_ssrc: int
    lost: tuple[int, ...]


@dataclass(frozen=True)
class KeyframeRequest:
    """A PLI, or a FIR (one per SSRC it names)."""

    media_ssrc: int


@dataclass(frozen=True)
class Remb:
    """A receiver's estimated maximum bitrate for the SSRCs it names."""

    bitrate: int
    ssrcs: tuple[int, ...]


Feedback = SenderReport | ReceiverReport | Nack | KeyframeRequest | Remb


def _report_blocks(data: bytes, offset: int, count: int, end: int) -> tuple[ReportBlock, ...]:
    blocks = []
    for _ in range(count):
        if offset + 24 > end:
            break
        ssrc, lost_word, highest, jitter, lsr, dlsr = REPORT_BLOCK.unpack_from(data, offset)
        lost = lost_word & 0xFFFFFF
        if lost & 0x800000:
            lost -= 0x1000000
        blocks.append(ReportBlock(ssrc, lost_word >> 24, lost, highest, jitter, lsr, dlsr))
        offset += 24
    return tuple(blocks)


def parse(data: bytes) -> list[Feedback]:
    """The records of a (compound) RTCP packet the SFU acts on; malformed tails are ignored."""
    records: list[Feedback] = []
    offset = 0
    size = len(data)
    while offset + 4 <= size:
        first, packet_type, words = COMMON.unpack_from(data, offset)
        end = offset + 4 * (words + 1)
        if first >> 6 != 2 or end > size:
            break
        count = first & 0x1F
        body = offset + 4
        if packet_type == SR and body + 24 <= end:
            ssrc, ntp, rtp_ts, packets, octets = SENDER_INFO.unpack_from(data, body)
            records.append(
                SenderReport(ssrc, ntp, rtp_ts, packets, octets, _report_blocks(data, body + 24, count, end))
            )
        elif packet_type == RR and body + 4 <= end:
            (ssrc,) = SSRC.unpack_from(data, body)
            records.append(ReceiverReport(ssrc, _report_blocks(data, body + 4, count, end)))
        elif packet_type == RTPFB and count == FMT_NACK and body + 8 <= end:
            _, media_ssrc = FEEDBACK.unpack_from(data, body)
            lost: list[int] = []
            for item in range(body + 8, end - 3, 4):
                pid, blp = NACK_ITEM.unpack_from(data, item)
                lost.append(pid)
                for bit in range(16):
                    if blp >> bit & 1:
                        lost.append((pid + bit + 1) & 0xFFFF)
            records.append(Nack(media_ssrc, tuple(lost)))
        elif packet_type == PSFB and body + 8 <= end:
            _, media_ssrc = FEEDBACK.unpack_from(data, body)
            if count == FMT_PLI:
                records.append(KeyframeRequest(media_ssrc))
            elif count == FMT_FIR:
                for item in range(body + 8, end - 7, 8):
                    (ssrc,) = SSRC.unpack_from(data, item)
                    records.append(KeyframeRequest(ssrc))
            elif count == FMT_APP and body + 16 <= end and data[body + 8 : body + 12] == b"REMB":
                number, exponent_byte = data[body + 12], data[body + 13]
                mantissa = (exponent_byte & 0x03) << 16 | data[body + 14] << 8 | data[body + 15]
                ssrcs = tuple(
                    SSRC.unpack_from(data, at)[0]
                    for at in range(body + 16, min(end, body + 16 + 4 * number), 4)
                )
                records.append(Remb(mantissa << (exponent_byte >> 2), ssrcs))
        offset = end
    return records


def _header(count: int, packet_type: int, body_length: int) -> bytes:
    return COMMON.pack(0x80 | count, packet_type, body_length // 4)


def report_block(block: ReportBlock) -> bytes:
    return REPORT_BLOCK.pack(
        block.ssrc,
        (block.fraction_lost & 0xFF) << 24 | (block.packets_lost & 0xFFFFFF),
        block.highest_sequence & 0xFFFFFFFF,
        block.jitter & 0xFFFFFFFF,
        block.lsr & 0xFFFFFFFF,
        block.dlsr & 0xFFFFFFFF,
    )


def sender_report(ssrc: int, ntp: int, rtp_timestamp: int, packets: int, octets: int) -> bytes:
    return _header(0, SR, 24) + SENDER_INFO.pack(
        ssrc, ntp & 0xFFFFFFFFFFFFFFFF, rtp_timestamp & 0xFFFFFFFF, packets & 0xFFFFFFFF, octets & 0xFFFFFFFF
    )


def receiver_report(ssrc: int, blocks: list[ReportBlock]) -> bytes:
    body = SSRC.pack(ssrc) + b"".join(report_block(block) for block in blocks[:31])
    return _header(min(len(blocks), 31), RR, len(body)) + body


def sdes(chunks: list[tuple[int, str]]) -> bytes:
    """An SDES packet with a CNAME item for each (SSRC, CNAME)."""
    body = b""
    for ssrc, cname in chunks[:31]:
        text = cname.encode("utf-8")[:255]
        chunk = SSRC.pack(ssrc) + bytes((1, len(text))) + text + b"\x00"
        chunk += b"\x00" * (-len(chunk) % 4)
        body += chunk
    return _header(min(len(chunks), 31), SDES, len(body)) + body


def nack(sender_ssrc: int, media_ssrc: int, lost: list[int]) -> bytes:
    """A generic NACK (RFC 4585 section 6.2.1) for the sequence numbers in `lost`, in their order."""
    items = []
    pid = -1
    blp = 0
    for seq in lost:
        distance = (seq - pid) & 0xFFFF
        if pid >= 0 and 0 < distance <= 16:
            blp |= 1 << (distance - 1)
            continue
        if pid >= 0:
            items.append(NACK_ITEM.pack(pid, blp))
        pid, blp = seq, 0
    if pid >= 0:
        items.append(NACK_ITEM.pack(pid, blp))
    body = FEEDBACK.pack(sender_ssrc, media_ssrc) + b"".join(items)
    return _header(FMT_NACK, RTPFB, len(body)) + body


def pli(sender_ssrc: int, media_ssrc: int) -> bytes:
    body = FEEDBACK.pack(sender_ssrc, media_ssrc)
    return _header(FMT_PLI, PSFB, len(body)) + body


def remb(sender_ssrc: int, bitrate: int, ssrcs: list[int]) -> bytes:
    """Receiver Estimated Maximum Bitrate (draft-alvestrand-rmcat-remb): the cap a publisher keeps to."""
    exponent = 0
    mantissa = max(0, bitrate)
    while mantissa > 0x3FFFF:
        mantissa >>= 1
        exponent += 1
    body = (
        FEEDBACK.pack(sender_ssrc, 0)
        + b"REMB"
        + bytes((len(ssrcs), (exponent << 2) | (mantissa >> 16), (mantissa >> 8) & 0xFF, mantissa & 0xFF))
        + b"".join(SSRC.pack(ssrc) for ssrc in ssrcs)
    )
    return _header(FMT_APP, PSFB, len(body)) + body
