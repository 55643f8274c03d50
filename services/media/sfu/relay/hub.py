"""The process's relay endpoint: the one UDP socket (bound when first asked for, so the fleet registry
can publish its address at once), the origin's outbound legs and the edge's inbound ones on it, and
their clock (sender reports out, receiver reports back, each report interval)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from services.media.sfu import adapter
from services.media.sfu.forwarding.uptrack import UpTrack
from services.media.sfu.options import EngineOptions
from services.media.sfu.ports import RelayTracks
from services.media.sfu.relay.edge import Inbound, RelayRoom
from services.media.sfu.relay.origin import Outbound
from services.media.sfu.relay.wire import Address, Wire, format_address, parse_address

logger = logging.getLogger(__name__)


def relay_host(options: EngineOptions) -> str:
    if options.relay_host:
        return options.relay_host
    return options.host_addresses[0] if options.host_addresses else "127.0.0.1"


class Relay:
    def __init__(self, options: EngineOptions) -> None:
        self._options = options
        self._networks = adapter.parse_networks(options.allowed_networks)
        self._wire = Wire(relay_host(options), options.relay_port, self._on_rtp, self._on_rtcp)
        self.outbound = Outbound(self._wire)
        self.inbound = Inbound(self._wire, options.keyframe_interval)
        self._clock: asyncio.Task[None] | None = None

    def address(self) -> str:
        """host:port of the relay socket: `SfuProcess.relay_address`."""
        return format_address(self._wire.address)

    def peer(self, text: str, field: str) -> Address:
        """Another process's relay address, checked (an IP inside the allowed networks)."""
        return parse_address(text, self._networks, field)

    async def start(self) -> None:
        await self._wire.start()
        if self._clock is None:
            self._clock = asyncio.ensure_future(self._report_loop())

    # --- origin -----------------------------------------------------------------------------------

    async def serve(self, call_id: str, edge: Address, published: list[UpTrack]) -> RelayTracks:
        await self.start()
        tracks = self.outbound.serve(call_id, edge, published)
        return RelayTracks(origin_address=self.address(), tracks=tracks)

    def stop(self, call_id: str, edge: Address) -> None:
        self.outbound.stop(call_id, edge)

    # --- edge -------------------------------------------------------------------------------------

    async def open(self, room: RelayRoom, relay: RelayTracks) -> None:
        await self.start()
        origin = self.peer(relay.origin_address, "relay.origin_relay_address")
        await self.inbound.open(room, origin, relay.tracks)

    # --- both -------------------------------------------------------------------------------------

    def forget(self, call_id: str) -> None:
        self.outbound.forget(call_id)
        self.inbound.forget(call_id)

    def _on_rtp(self, data: bytes, sender: Address) -> None:
        self.inbound.on_rtp(data, sender)

    def _on_rtcp(self, data: bytes, sender: Address) -> None:
        self.outbound.on_rtcp(data, sender)
        self.inbound.on_rtcp(data, sender)

    async def _report_loop(self) -> None:
        while True:
            await asyncio.sleep(self._options.report_interval)
            try:
                now = time.monotonic()
                self.outbound.report(now)
                self.inbound.report(now)
            except Exception:
                logger.exception("SFU relay report failed")

    async def close(self) -> None:
        if self._clock is not None:
            self._clock.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._clock
        self._wire.close()
