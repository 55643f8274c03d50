"""The SFU engine: the rooms of the calls this process serves, behind the `ports.Engine` seam.

It owns which rooms exist and routes each call of the process shell to its room; the rooms own
their sessions (peer connections, negotiation) and the forwarding between them. `EngineOptions`
is everything the shell configures (from its settings), so the engine reads no environment.
"""

from __future__ import annotations

from services.common.errors import NotFound
from services.media.sfu import metrics
from services.media.sfu.options import EngineOptions, IceServer
from services.media.sfu.ports import (
    Candidate,
    Connection,
    EngineListener,
    RelayTracks,
    Role,
    Source,
    SubscriberOffer,
    TrackInfo,
)
from services.media.sfu.relay import Relay
from services.media.sfu.room import Room

__all__ = ["EngineOptions", "IceServer", "SfuEngine"]


class SfuEngine:
    """`ports.Engine`: one `Room` per call, created by the first `open_session` of that call."""

    def __init__(self, listener: EngineListener, options: EngineOptions) -> None:
        self._listener = listener
        self._options = options
        self._rooms: dict[str, Room] = {}
        self._relay: Relay | None = None

    @property
    def options(self) -> EngineOptions:
        return self._options

    def _room(self, call_id: str) -> Room:
        room = self._rooms.get(call_id)
        if room is None:
            raise NotFound("Звонок не найден на этом медиасервере.")
        return room

    def _room_or_new(self, call_id: str) -> Room:
        room = self._rooms.get(call_id)
        if room is None:
            room = self._rooms[call_id] = Room(call_id, self._listener, self._options)
            metrics.CALLS.set(len(self._rooms))
        return room

    async def open_session(self, call_id: str, session_id: str, user_id: str, may_publish: bool) -> None:
        self._room_or_new(call_id).open_session(session_id, user_id, may_publish)

    async def close_session(self, call_id: str, session_id: str) -> None:
        room = self._rooms.get(call_id)
        if room is None:
            return
        await room.close_session(session_id)
        if room.empty:
            await self.close_call(call_id)

    async def close_call(self, call_id: str) -> None:
        room = self._rooms.pop(call_id, None)
        if self._relay is not None:
            self._relay.forget(call_id)
        if room is not None:
            await room.close()
            metrics.CALLS.set(len(self._rooms))

    async def negotiate(
        self,
        call_id: str,
        session_id: str,
        role: Role,
        sdp_type: str,
        sdp: str,
        tracks: list[TrackInfo],
    ) -> str | None:
        return await self._room(call_id).negotiate(session_id, role, sdp_type, sdp, tracks)

    async def subscribe(self, call_id: str, session_id: str) -> SubscriberOffer:
        return await self._room(call_id).subscribe(session_id)

    async def add_ice_candidate(
        self, call_id: str, session_id: str, role: Role, candidate: Candidate
    ) -> None:
        await self._room(call_id).add_ice_candidate(session_id, role, candidate)

    async def set_visible_sessions(self, call_id: str, session_id: str, visible: list[str]) -> None:
        self._room(call_id).set_visible_sessions(session_id, visible)

    async def mute_source(self, call_id: str, session_id: str, source: Source) -> None:
        self._room(call_id).mute_source(session_id, source)

    async def set_may_publish(self, call_id: str, session_id: str, may_publish: bool) -> None:
        await self._room(call_id).set_may_publish(session_id, may_publish)

    # --- the relay between SFU processes (relay/) ----------------------------------------------

    def relay(self) -> Relay:
        """The process's relay endpoint, its socket bound on first use."""
        if self._relay is None:
            self._relay = Relay(self._options)
        return self._relay

    def relay_address(self) -> str:
        return self.relay().address()

    async def serve_relay(self, call_id: str, edge_address: str) -> RelayTracks:
        room = self._room(call_id)
        relay = self.relay()
        return await relay.serve(call_id, relay.peer(edge_address, "edge_relay_address"), room.published())

    async def stop_relay(self, call_id: str, edge_address: str) -> None:
        relay = self.relay()
        relay.stop(call_id, relay.peer(edge_address, "edge_relay_address"))

    async def open_relay(self, call_id: str, relay: RelayTracks) -> str:
        endpoint = self.relay()
        endpoint.peer(relay.origin_address, "relay.origin_relay_address")
        if relay.tracks or call_id in self._rooms:
            await endpoint.open(self._room_or_new(call_id), relay)
        return endpoint.address()

    def sessions(self) -> list[tuple[str, str, str, Connection]]:
        return [
            (room.call_id, session.session_id, session.user_id, session.connection)
            for room in self._rooms.values()
            for session in room.sessions()
            if not session.relayed
        ]

    async def close(self) -> None:
        for call_id in list(self._rooms):
            await self.close_call(call_id)
        if self._relay is not None:
            await self._relay.close()
            self._relay = None
