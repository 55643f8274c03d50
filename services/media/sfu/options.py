"""What the process shell configures in the SFU engine (from its settings): `EngineOptions`, and the
UDP port range arithmetic of PARTA_SFU_UDP_PORTS (`parse_port_range`, `port_slice`)."""

from __future__ import annotations

from dataclasses import dataclass

PortRange = tuple[int, int]  # inclusive (first, last) UDP ports


def parse_port_range(text: str) -> PortRange | None:
    """ "40000-40999" → (40000, 40999); "" → None (any ephemeral port). ValueError with a readable
    message when it is not "min-max" with 1 ≤ min ≤ max ≤ 65535."""
    text = text.strip()
    if not text:
        return None
    first, sep, last = text.partition("-")
    if not sep or not first.strip().isdigit() or not last.strip().isdigit():
        raise ValueError(f"UDP port range must look like 40000-40999, not {text!r}")
    low, high = int(first), int(last)
    if not 1 <= low <= high <= 65535:
        raise ValueError(f"UDP port range {text!r} must satisfy 1 <= min <= max <= 65535")
    return low, high


def port_slice(ports: PortRange | None, count: int, index: int) -> PortRange | None:
    """The `index`-th of `count` even slices of `ports` (process i of N gets slice i; the first
    slices take one port more when the range does not divide). None stays None (any port). ValueError
    when the range has fewer ports than processes."""
    if ports is None:
        return None
    if not 0 <= index < count:
        raise ValueError(f"process index {index} outside 0..{count - 1}")
    first, last = ports
    size, extra = divmod(last - first + 1, count)
    if size == 0:
        raise ValueError(f"UDP port range {first}-{last} has fewer ports than {count} processes")
    start = first + index * size + min(index, extra)
    return start, start + size - 1 + (1 if index < extra else 0)


@dataclass(frozen=True)
class IceServer:
    """A STUN or TURN server the SFU's own peers use (`stun:…`, `turn:…?transport=udp|tcp`, `turns:…`)."""

    urls: tuple[str, ...]
    username: str = ""
    credential: str = ""


@dataclass(frozen=True)
class EngineOptions:
    """How the engine's peers reach the network and how it forwards.

    `host_addresses`: the local addresses host candidates are gathered on; empty = every address
    aioice finds on this host. `allowed_networks`: CIDRs a remote candidate (trickled, in an SDP, or
    learnt as peer-reflexive from an incoming STUN check) must be in to be used at all — nothing is
    ever sent outside them (tests: loopback only). `ice_servers`: STUN/TURN for the SFU side.
    """

    host_addresses: tuple[str, ...] = ()
    allowed_networks: tuple[str, ...] = ("0.0.0.0/0", "::/0")
    ice_servers: tuple[IceServer, ...] = ()
    # Host candidates bind inside this inclusive UDP range (this process's slice of
    # PARTA_SFU_UDP_PORTS); None = any ephemeral port.
    udp_ports: PortRange | None = None
    # Written in the host candidates instead of the bound address (PARTA_SFU_ANNOUNCED_ADDRESSES: a 1:1
    # NAT, a LoadBalancer or the node's IP): the i-th for the i-th host address, one for all.
    announced_addresses: tuple[str, ...] = ()
    # The RTCP CNAME of every down-track this process sends.
    cname: str = "parta-sfu"
    # Sender reports (+ SDES) on every down-track, and receiver reports to publishers, this often.
    report_interval: float = 1.0
    # At most one keyframe request to a publisher per this many seconds (subscribers' PLI/FIR collapsed).
    keyframe_interval: float = 0.5
    # The REMB cap the SFU tells a publisher for a camera / a screen share (bits per second): with no
    # simulcast (aiortc receives one encoding) every subscriber gets what the publisher sends, so a
    # call of thirty keeps each camera modest.
    max_camera_bitrate: int = 800_000
    max_screen_bitrate: int = 1_500_000
    # The active speaker is re-evaluated this often; a change is announced after it holds twice.
    speaker_interval: float = 0.3
