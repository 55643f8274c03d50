"""This SFU process's entry in the fleet's registry: the NATS KV bucket `parta_sfu_fleet`
(made with the registry's TTL when missing), key `<node>.<process>`, value a `parta.media.v1.
SfuProcess` — address, state, load, times — rewritten every heartbeat and deleted at a clean stop.
A process killed with -9 leaves an entry that expires after the TTL (the bucket marks the expiry,
so watchers hear of it)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime

from nats.aio.client import Client as NATS
from nats.js.api import KeyValueConfig
from nats.js.errors import BucketNotFoundError
from nats.js.kv import KeyValue

from parta.media.v1 import fleet_pb2
from services.common.logging import get_logger
from services.common.tasks import TaskSpawner, repeat

log = get_logger(__name__)

Entry = Callable[[], fleet_pb2.SfuProcess]
STOP_TIMEOUT = 2.0  # seconds for the deregistration at stop (NATS away: the entry expires instead)


async def fleet_bucket(nc: NATS, bucket: str, ttl_seconds: float) -> KeyValue:
    """The registry's bucket; made (with the TTL and expiry markers) when it is missing."""
    js = nc.jetstream()
    try:
        return await js.key_value(bucket)
    except BucketNotFoundError:
        return await js.create_key_value(
            KeyValueConfig(
                bucket=bucket,
                ttl=ttl_seconds,
                limit_marker_ttl=ttl_seconds,
                description="Parta SFU processes (parta.media.v1.SfuProcess)",
            )
        )


def registry_key(node: str, process: str) -> str:
    """`<node>.<process>`, with the characters a KV key may not hold replaced."""
    safe = "".join(ch if ch.isalnum() or ch in "-_=" else "-" for ch in node)
    return f"{safe}.{process}"


class Registration:
    """Puts `entry()` under the process's key now and every `heartbeat` seconds until `stop()`."""

    def __init__(self, kv: KeyValue, key: str, entry: Entry, heartbeat: float) -> None:
        self._kv = kv
        self.key = key
        self._entry = entry
        self._heartbeat = heartbeat
        self._tasks = TaskSpawner("sfu-registry")

    async def beat(self) -> None:
        entry = self._entry()
        entry.heartbeat_at.FromDatetime(datetime.now(UTC))
        await self._kv.put(self.key, entry.SerializeToString())

    async def start(self) -> None:
        await self.beat()
        self._tasks.spawn(
            repeat(self.beat, every=self._heartbeat, first_after=self._heartbeat, name="sfu-heartbeat"),
            name="sfu-heartbeat",
        )
        log.info("sfu.registered", key=self.key)

    async def stop(self) -> None:
        await self._tasks.close()
        try:
            await asyncio.wait_for(self._kv.delete(self.key), timeout=STOP_TIMEOUT)
        except Exception as error:  # NATS away: the entry expires after the TTL anyway
            log.warning("sfu.deregister_failed", key=self.key, error=str(error))
