"""RTP and RTCP bytes as the load generator's peers read them: where an RTP payload lies, the RTCP
feedback a compound packet carries, the payload types and RTX pairs an SDP declares, and which
sequence numbers of a stream arrived (to tell residual loss from recovered loss)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

RTCP_RTPFB = 205  # transport-layer feedback; FMT 1 = generic NACK
RTCP_PSFB = 206  # payload-specific feedback; FMT 1 = PLI, FMT 4 = FIR

_M_LINE = re.compile(r"^m=(audio|video) \S+ \S+ (.*)$")
_RTPMAP = re.compile(r"^a=rtpmap:(\d+) ([^/\s]+)/")
_FID = re.compile(r"^a=ssrc-group:FID (\d+) (\d+)")
_CANDIDATE = re.compile(r"^a=candidate:\S+ \d+ \S+ \d+ \S+ ")


def payload_bounds(data: bytes) -> tuple[int, int]:
    """(start, end) of the payload of an RTP packet: after CSRCs and the extension block, before padding."""
    start = 12 + 4 * (data[0] & 0x0F)
    if data[0] & 0x10:
        start += 4 + 4 * ((data[start + 2] << 8) | data[start + 3])
    end = len(data)
    if data[0] & 0x20:
        end -= data[-1]
    return start, end


def is_rtcp(data: bytes) -> bool:
    return len(data) >= 2 and 192 <= data[1] <= 208


@dataclass
class Feedback:
    """RTCP feedback messages counted (one NACK message may ask for several packets)."""

    nack: int = 0
    pli: int = 0
    fir: int = 0

    def count(self, compound: bytes) -> None:
        offset = 0
        while offset + 4 <= len(compound):
            fmt = compound[offset] & 0x1F
            packet_type = compound[offset + 1]
            if packet_type == RTCP_RTPFB and fmt == 1:
                self.nack += 1
            elif packet_type == RTCP_PSFB and fmt == 1:
                self.pli += 1
            elif packet_type == RTCP_PSFB and fmt == 4:
                self.fir += 1
            offset += 4 * (((compound[offset + 2] << 8) | compound[offset + 3]) + 1)


@dataclass(frozen=True)
class PayloadType:
    kind: str  # "audio" | "video"
    codec: str  # lower case: "vp8", "opus", "rtx", ...

    @property
    def is_rtx(self) -> bool:
        return self.codec == "rtx"


def drop_candidates_outside(sdp: str, allowed: Callable[[str], bool]) -> str:
    """The SDP without the `a=candidate` lines whose address `allowed(address)` refuses — applied to
    every remote description before aiortc reads it, since aiortc adds an SDP's candidates at once."""
    lines = sdp.split("\r\n") if "\r\n" in sdp else sdp.split("\n")
    kept = [line for line in lines if not _CANDIDATE.match(line) or allowed(line.split()[4])]
    return ("\r\n" if "\r\n" in sdp else "\n").join(kept)


def payload_types(sdp: str) -> dict[int, PayloadType]:
    """Every payload type an SDP maps, with its m-line's kind."""
    found: dict[int, PayloadType] = {}
    kind = ""
    for line in sdp.splitlines():
        m_line = _M_LINE.match(line)
        if m_line:
            kind = m_line.group(1)
            continue
        rtpmap = _RTPMAP.match(line)
        if rtpmap and kind:
            found[int(rtpmap.group(1))] = PayloadType(kind, rtpmap.group(2).lower())
    return found


def rtx_pairs(sdp: str) -> dict[int, int]:
    """RTX SSRC → media SSRC, from `a=ssrc-group:FID <media> <rtx>` lines."""
    pairs: dict[int, int] = {}
    for line in sdp.splitlines():
        fid = _FID.match(line)
        if fid:
            pairs[int(fid.group(2))] = int(fid.group(1))
    return pairs


@dataclass
class SequenceLog:
    """The sequence numbers of one RTP stream that arrived (directly or by RTX), unwrapped to 32 bits.
    `missing(upto)` is the residual loss: numbers between the first and `upto` never received."""

    first: int | None = None
    highest: int = 0
    received: set[int] = field(default_factory=set)

    def unwrap(self, seq: int) -> int:
        if self.first is None:
            return seq
        base = self.highest & ~0xFFFF
        candidate = base | seq
        if candidate - self.highest > 0x8000:
            candidate -= 0x10000
        elif self.highest - candidate > 0x8000:
            candidate += 0x10000
        return candidate

    def add(self, seq: int) -> None:
        extended = self.unwrap(seq)
        if self.first is None:
            self.first = self.highest = extended
        elif extended > self.highest:
            self.highest = extended
        if extended >= (self.first or 0):
            self.received.add(extended)

    def missing_between(self, low: int, high: int) -> int:
        """Numbers in (low, high] never received."""
        return sum(1 for seq in range(low + 1, high + 1) if seq not in self.received)

    def missing(self, upto: int | None = None) -> int:
        if self.first is None:
            return 0
        last = self.highest if upto is None else min(upto, self.highest)
        return sum(1 for seq in range(self.first, last + 1) if seq not in self.received)

    def expected(self, upto: int | None = None) -> int:
        if self.first is None:
            return 0
        last = self.highest if upto is None else min(upto, self.highest)
        return max(0, last - self.first + 1)
