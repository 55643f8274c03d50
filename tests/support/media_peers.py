"""aiortc client peers for the media tests, confined to loopback (the issue's network safety): host
candidates only on 127.0.0.1 and nothing sent outside 127.0.0.0/8 — the same confinement the SFU's
engine applies (`services.media.sfu.adapter.restrict_ice`), applied to the client's transports before
they gather. `publisher_offer` adds a microphone and a camera track and gives the offer SDP with the
`TrackInfo` of each m-line; `close_all` closes the peers a test made."""

from __future__ import annotations

from collections.abc import Iterable

from aiortc import AudioStreamTrack, RTCConfiguration, RTCPeerConnection, VideoStreamTrack

from parta.media.v1 import media_pb2
from services.media.sfu import adapter

LOOPBACK = adapter.parse_networks(["127.0.0.0/8"])


def loopback_peer() -> RTCPeerConnection:
    """A client peer with no STUN/TURN servers (nothing to ask outside)."""
    return RTCPeerConnection(RTCConfiguration(iceServers=[]))


def confine(pc: RTCPeerConnection) -> None:
    """Every transport of the peer gathers on 127.0.0.1 only and talks only to 127.0.0.0/8."""
    adapter.confine_peer(pc, ("127.0.0.1",), LOOPBACK)


async def publisher_offer(pc: RTCPeerConnection) -> tuple[str, list[media_pb2.TrackInfo]]:
    """A microphone and a camera on `pc`; the offer (local description set) and its tracks."""
    pc.addTrack(AudioStreamTrack())
    pc.addTrack(VideoStreamTrack())
    confine(pc)
    await pc.setLocalDescription(await pc.createOffer())
    sources = {"audio": media_pb2.TRACK_SOURCE_MICROPHONE, "video": media_pb2.TRACK_SOURCE_CAMERA}
    tracks = [
        media_pb2.TrackInfo(mid=str(t.mid), kind=t.kind, source=sources[t.kind]) for t in pc.getTransceivers()
    ]
    return pc.localDescription.sdp, tracks


async def close_all(peers: Iterable[RTCPeerConnection]) -> None:
    for pc in peers:
        await pc.close()
