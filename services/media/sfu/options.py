"""What the process shell configures in the SFU engine (from its settings): `EngineOptions`."""

from __future__ import annotations

from dataclasses import dataclass


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
    # The UDP ports this process's peers bind (low, high), its slice of the node's PARTA_SFU_UDP_PORTS;
    # None = any ephemeral port. `announced_addresses`: put in host candidates instead of the bound
    # address (a 1:1 NAT, a LoadBalancer IP). The fleet sets both per process; the adapter applies them.
    udp_ports: tuple[int, int] | None = None
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
