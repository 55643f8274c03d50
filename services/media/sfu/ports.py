"""The seam between the SFU's engine (rooms, peer connections, forwarding) and its process shell
(the gRPC `parta.media.v1.Sfu` servicer, NATS, metrics endpoint): plain value types, the `Engine`
the shell calls, and the `EngineListener` the engine tells what the outside must learn.

The shell converts protobuf to these types and back; the engine never sees protobuf or NATS.
Errors: the engine raises `services.common.errors` (NotFound for an unknown call or session,
InvalidArgument for an SDP it cannot take, PermissionDenied for a publish from a listen-only session).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol


class Role(enum.Enum):
    """Which of a session's two peer connections (as LiveKit: one publishes, one subscribes)."""

    PUBLISHER = "publisher"
    SUBSCRIBER = "subscriber"


class Source(enum.Enum):
    MICROPHONE = "microphone"
    CAMERA = "camera"
    SCREEN = "screen"


class Connection(enum.Enum):
    """A session's media connection, as the control plane needs to know it."""

    NEW = "new"
    CONNECTED = "connected"
    LOST = "lost"
    CLOSED = "closed"


@dataclass(frozen=True)
class TrackInfo:
    """One m-line of a peer connection: a client's published track, or a track in a subscriber offer
    (then with whose it is)."""

    mid: str
    kind: str  # "audio" | "video"
    source: Source
    user_id: str = ""
    session_id: str = ""
    muted: bool = False


@dataclass(frozen=True)
class Candidate:
    candidate: str  # "candidate:..." as the browser gives it; "" = end of candidates
    sdp_mid: str = ""
    sdp_mline_index: int = 0


@dataclass(frozen=True)
class SubscriberOffer:
    sdp: str
    tracks: tuple[TrackInfo, ...]


@dataclass(frozen=True)
class RelayCodec:
    """A codec of a relayed track, as the origin's publisher negotiated it (first = in use)."""

    payload_type: int
    mime_type: str
    clock_rate: int
    parameters: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class RelayedTrack:
    """One published track as the relay between SFU processes carries it (relay/): the SSRCs the
    origin sends it with, its codecs, and whose it is."""

    ssrc: int
    rtx_ssrc: int  # 0: no RTX
    kind: str
    source: Source
    user_id: str
    session_id: str
    codecs: tuple[RelayCodec, ...]
    audio_level_id: int = 0
    muted: bool = False


@dataclass(frozen=True)
class RelayTracks:
    """What an origin relays to an edge: its relay address (for feedback) and the tracks."""

    origin_address: str
    tracks: tuple[RelayedTrack, ...]


class EngineListener(Protocol):
    """What the engine tells the outside; the shell publishes it (LiveCallEvent on NATS to the person,
    SessionState on the WatchSessions stream). Called from the event loop; must not block."""

    def subscriber_offer(self, call_id: str, session_id: str, user_id: str, offer: SubscriberOffer) -> None:
        """The engine renegotiates a session's subscriber peer (tracks came or went)."""

    def active_speaker(
        self, call_id: str, speaker_user_id: str, speaker_session_id: str, recipients: list[tuple[str, str]]
    ) -> None:
        """The loudest session changed; `recipients` are (user_id, session_id) of the call's sessions."""

    def muted(self, call_id: str, session_id: str, user_id: str, source: Source) -> None:
        """A source of this session was muted by a moderator (forwarding of it has stopped)."""

    def session_state(self, call_id: str, session_id: str, user_id: str, connection: Connection) -> None:
        """A session's media connection changed."""


class Engine(Protocol):
    """Rooms of calls on this SFU process. Every method is safe to call again (idempotent where the
    contract says so) and returns once the change is in effect."""

    async def open_session(self, call_id: str, session_id: str, user_id: str, may_publish: bool) -> None: ...

    async def close_session(self, call_id: str, session_id: str) -> None: ...

    async def close_call(self, call_id: str) -> None: ...

    async def negotiate(
        self,
        call_id: str,
        session_id: str,
        role: Role,
        sdp_type: str,
        sdp: str,
        tracks: list[TrackInfo],
    ) -> str | None:
        """A publisher offer → the SFU's answer SDP; a subscriber answer → None."""
        ...

    async def subscribe(self, call_id: str, session_id: str) -> SubscriberOffer: ...

    async def add_ice_candidate(
        self, call_id: str, session_id: str, role: Role, candidate: Candidate
    ) -> None: ...

    async def set_visible_sessions(self, call_id: str, session_id: str, visible: list[str]) -> None: ...

    async def mute_source(self, call_id: str, session_id: str, source: Source) -> None: ...

    async def set_may_publish(self, call_id: str, session_id: str, may_publish: bool) -> None: ...

    # The relay between SFU processes (relay/): origin side, then edge side.
    def relay_address(self) -> str:
        """host:port of this process's relay socket (bound on first use; `SfuProcess.relay_address`)."""
        ...

    async def serve_relay(self, call_id: str, edge_address: str) -> RelayTracks: ...

    async def stop_relay(self, call_id: str, edge_address: str) -> None: ...

    async def open_relay(self, call_id: str, relay: RelayTracks) -> str: ...

    def sessions(self) -> list[tuple[str, str, str, Connection]]:
        """Every open session now: (call_id, session_id, user_id, connection) — WatchSessions' snapshot."""
        ...

    async def close(self) -> None:
        """Closes every peer connection (process stop)."""
        ...
