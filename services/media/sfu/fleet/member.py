"""The process's membership of the fleet, as its shell uses it: registered from `start()` to
`stop()` with its address, state and load (registry.py, load.py), the drain (drain.py) — `admits`
for OpenSession, `begin_drain` for SIGTERM and the `Drain` RPC — and `done`, set once a draining
process holds no call (its shell then stops)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from nats.aio.client import Client as NATS

from parta.media.v1 import fleet_pb2
from services.common.convert import to_timestamp
from services.common.logging import get_logger
from services.common.tasks import TaskSpawner, repeat
from services.media.sfu.fleet.drain import Drain
from services.media.sfu.fleet.load import LoadMeter, Sessions
from services.media.sfu.fleet.registry import Registration, fleet_bucket, registry_key

log = get_logger(__name__)


class FleetMember:
    def __init__(
        self,
        sessions: Sessions,
        *,
        node: str,
        process: int,
        bucket: str,
        heartbeat_seconds: float,
        ttl_seconds: float,
        drain_seconds: float,
    ) -> None:
        self.node = node
        self.process = str(process)
        self._bucket = bucket
        self._heartbeat = heartbeat_seconds
        self._ttl = ttl_seconds
        self.drain = Drain(drain_seconds)
        self.load = LoadMeter(sessions)
        self.address = ""
        self.relay_address = ""
        self._started_at = datetime.now(UTC)
        self._registration: Registration | None = None
        self._tasks = TaskSpawner("sfu-fleet")

    @property
    def done(self) -> asyncio.Event:
        return self.drain.done

    def entry(self) -> fleet_pb2.SfuProcess:
        draining = self.drain.draining
        entry = fleet_pb2.SfuProcess(
            node=self.node,
            process=self.process,
            address=self.address,
            state=fleet_pb2.SFU_STATE_DRAINING if draining else fleet_pb2.SFU_STATE_SERVING,
            load=self.load.sample(),
            started_at=to_timestamp(self._started_at),
            relay_address=self.relay_address,
        )
        if self.drain.deadline is not None:
            entry.drain_deadline.FromDatetime(self.drain.deadline)
        return entry

    async def start(self, nc: NATS, address: str, relay_address: str = "") -> None:
        """Registered under `<node>.<process>` as serving at `address` (host:port of its gRPC), taking
        relayed RTP at `relay_address` (services/media/sfu/relay/)."""
        self.address = address
        self.relay_address = relay_address
        kv = await fleet_bucket(nc, self._bucket, self._ttl)
        self._registration = Registration(
            kv, registry_key(self.node, self.process), self.entry, self._heartbeat
        )
        await self._registration.start()
        self._tasks.spawn(
            repeat(self._check_done, every=min(self._heartbeat, 1.0), name="sfu-drain-check"),
            name="sfu-drain-check",
        )

    async def _check_done(self) -> None:
        self.drain.check_done(self.load.calls())

    def admits(self, call_id: str) -> bool:
        """OpenSession: a new call only while serving; a call held here always."""
        return self.drain.admits(call_id, self.load.calls())

    async def begin_drain(self) -> None:
        """DRAINING now, and said in the registry at once (placement stops choosing this process)."""
        self.drain.begin()
        if self._registration is not None:
            try:
                await self._registration.beat()
            except Exception as error:  # the next heartbeat says it
                log.warning("sfu.drain_announce_failed", error=str(error))
        await self._check_done()

    async def stop(self) -> None:
        await self._tasks.close()
        if self._registration is not None:
            await self._registration.stop()
