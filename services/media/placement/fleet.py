"""The fleet of SFU processes as the control plane sees it (the default placement): it watches the
NATS KV registry (`parta_sfu_fleet`, one `parta.media.v1.SfuProcess` per process, made with its TTL
when missing) and keeps the live set, places a new call on the least-loaded SERVING process
(rules.least_loaded), and tells its `FleetListener` when a process appears and when one is gone:
"lost" (its entry deleted or expired, or its WatchSessions stream broken and its heartbeats stopped)
or "drain" (DRAINING past its `drain_deadline`, once)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import grpc
from nats.aio.client import Client as NATS
from nats.js.api import KeyValueConfig
from nats.js.errors import BucketNotFoundError
from nats.js.kv import KV_DEL, KV_PURGE, KeyValue

from parta.media.v1 import fleet_pb2, sfu_pb2_grpc
from services.common.errors import Unavailable
from services.common.logging import get_logger
from services.common.tasks import TaskSpawner, repeat
from services.media.placement import rules
from services.media.placement.parts import FleetListener, GoneReason

log = get_logger(__name__)

NO_SFU = "Сервер звонков сейчас недоступен, попробуйте ещё раз"


async def registry_bucket(nc: NATS, bucket: str, ttl_seconds: float) -> KeyValue:
    """The registry's bucket, made as the SFU makes it when the control plane comes first (the SFU
    process and the control plane share no code, only the contract: fleet.proto)."""
    js = nc.jetstream()
    try:
        return await js.key_value(bucket)
    except BucketNotFoundError:
        return await js.create_key_value(
            KeyValueConfig(bucket=bucket, ttl=ttl_seconds, limit_marker_ttl=ttl_seconds)
        )


@dataclass
class Member:
    entry: fleet_pb2.SfuProcess
    seen: float  # monotonic time of its last heartbeat here
    # When calls were placed on it lately: counted on top of its reported load until its heartbeats
    # surely include them (two heartbeats), so a burst of joins is spread, never all on one.
    placed: list[float] = field(default_factory=list)
    suspected: bool = False
    drain_told: bool = False


class SfuFleet:
    def __init__(
        self,
        nats: Callable[[], NATS],
        *,
        bucket: str,
        heartbeat_seconds: float,
        ttl_seconds: float,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._nats = nats
        self._bucket = bucket
        self._heartbeat = heartbeat_seconds
        self._ttl = ttl_seconds
        self._clock = clock
        self._wall_clock = wall_clock
        self._members: dict[str, Member] = {}  # registry key → member
        self._channels: dict[str, grpc.aio.Channel] = {}
        self._listener: FleetListener | None = None
        self._tasks = TaskSpawner("media-fleet")

    def tell(self, listener: FleetListener) -> None:
        self._listener = listener

    # --- the registry ---------------------------------------------------------------------------
    async def start(self) -> None:
        """The live set as the registry has it now, then kept up to date."""
        kv = await registry_bucket(self._nats(), self._bucket, self._ttl)
        watcher = await kv.watchall()
        while (entry := await watcher.updates(timeout=10.0)) is not None:  # type: ignore[no-untyped-call]
            self._update(entry)
        self._tasks.spawn(self._follow(watcher), name="fleet-watch")
        sweep = min(self._heartbeat / 2, 0.5)
        self._tasks.spawn(repeat(self._sweep, every=sweep, name="fleet-sweep"), name="fleet-sweep")
        log.info("fleet.started", processes=sorted(self.addresses()))

    async def _follow(self, watcher: KeyValue.KeyWatcher) -> None:
        async for entry in watcher:
            if entry is not None:
                self._update(entry)

    def _update(self, entry: KeyValue.Entry) -> None:
        if entry.operation in (KV_DEL, KV_PURGE) or not entry.value:
            member = self._members.pop(entry.key, None)
            if member is not None:
                self._gone(member, "lost")
            return
        try:
            process = fleet_pb2.SfuProcess.FromString(entry.value)
        except Exception:  # not ours to read: skip it rather than stop following
            log.warning("fleet.bad_entry", key=entry.key)
            return
        known = self._members.get(entry.key)
        if known is not None and known.entry.address != process.address:
            self._members.pop(entry.key)
            self._gone(known, "lost")
            known = None
        if known is None:
            self._members[entry.key] = Member(process, self._clock())
            log.info("fleet.process_appeared", key=entry.key, address=process.address)
            if self._listener is not None:
                self._listener.appeared(process.address)
            return
        known.entry = process
        known.seen = self._clock()
        known.suspected = False

    async def _sweep(self) -> None:
        """Who stopped beating, and who is draining past the deadline."""
        now, wall = self._clock(), self._wall_clock()
        for key, member in list(self._members.items()):
            lost = rules.is_lost(
                silent_for=now - member.seen,
                suspected=member.suspected,
                heartbeat_seconds=self._heartbeat,
                ttl_seconds=self._ttl,
            )
            if lost:
                self._members.pop(key, None)
                self._gone(member, "lost")
                continue
            entry = member.entry
            if (
                entry.state == fleet_pb2.SFU_STATE_DRAINING
                and entry.HasField("drain_deadline")
                and entry.drain_deadline.ToSeconds() <= wall
                and not member.drain_told
            ):
                member.drain_told = True
                log.info("fleet.drain_deadline", address=entry.address)
                if self._listener is not None:
                    self._listener.gone(entry.address, "drain")

    def _gone(self, member: Member, reason: GoneReason) -> None:
        log.info("fleet.process_gone", address=member.entry.address, reason=reason)
        if self._listener is not None:
            self._listener.gone(member.entry.address, reason)

    # --- Placement --------------------------------------------------------------------------------
    def processes(self) -> list[fleet_pb2.SfuProcess]:
        return [member.entry for member in self._members.values()]

    def place(self, call_id: str, *, avoid: str = "") -> str:
        recent = self._clock() - 2 * self._heartbeat
        for member in self._members.values():
            member.placed = [at for at in member.placed if at > recent]
        serving = {
            m.entry.address: m
            for m in self._members.values()
            if m.entry.state == fleet_pb2.SFU_STATE_SERVING and not m.suspected
        }
        chosen = rules.least_loaded(
            (
                rules.Candidate(address, m.entry.load.participants, m.entry.load.calls, len(m.placed))
                for address, m in serving.items()
            ),
            avoid=avoid,
        )
        if chosen is None:
            log.warning("fleet.no_serving_process", call_id=call_id, processes=len(self._members))
            raise Unavailable(NO_SFU)
        serving[chosen].placed.append(self._clock())
        return chosen

    def sfu(self, address: str) -> sfu_pb2_grpc.SfuStub:
        channel = self._channels.get(address)
        if channel is None:
            channel = self._channels[address] = grpc.aio.insecure_channel(address)
        return sfu_pb2_grpc.SfuStub(channel)

    def addresses(self) -> list[str]:
        return [member.entry.address for member in self._members.values()]

    def suspect(self, address: str) -> None:
        for member in self._members.values():
            if member.entry.address == address and not member.suspected:
                member.suspected = True
                log.info("fleet.process_suspected", address=address)

    async def close(self) -> None:
        await self._tasks.close()
        for channel in self._channels.values():
            await channel.close()
        self._channels.clear()
