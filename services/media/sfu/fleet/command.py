"""`parta-sfu drain [--wait]` (the Helm preStop hook): calls `Drain` on each of the node's local
SFU processes (127.0.0.1 or the gRPC host, ports PARTA_GRPC_PORT … +N-1); with `--wait` returns once
every one has exited — a draining process exits when its last call is over, or once the control
plane has moved its participants at the drain deadline."""

from __future__ import annotations

import asyncio

import grpc

from parta.media.v1 import sfu_pb2, sfu_pb2_grpc
from services.media.sfu.config import SfuSettings

POLL_SECONDS = 1.0


def local_addresses(settings: SfuSettings) -> list[str]:
    host = "127.0.0.1" if settings.grpc_host in ("", "0.0.0.0", "::") else settings.grpc_host
    return [f"{host}:{settings.grpc_port + index}" for index in range(settings.process_count)]


async def drain_one(address: str) -> bool:
    """Drain the process at `address`; False when none answers there (already gone)."""
    async with grpc.aio.insecure_channel(address) as channel:
        try:
            await sfu_pb2_grpc.SfuStub(channel).Drain(sfu_pb2.DrainRequest(), timeout=5.0)
        except grpc.aio.AioRpcError as error:
            if error.code() == grpc.StatusCode.UNAVAILABLE:
                return False
            raise
    return True


async def gone(address: str) -> None:
    """Returns once nothing answers at `address` any more."""
    while True:  # a process in another address space: nothing to wait on but asking again
        if not await drain_one(address):
            return
        await asyncio.sleep(POLL_SECONDS)


async def drain_node(settings: SfuSettings, *, wait: bool) -> int:
    if not settings.grpc_port:
        print("parta-sfu drain: PARTA_GRPC_PORT is 0; the processes' ports are unknown")
        return 2
    addresses = local_addresses(settings)
    draining = [address for address in addresses if await drain_one(address)]
    for address in addresses:
        print(f"{address}: {'draining' if address in draining else 'not running'}")
    if wait:
        await asyncio.gather(*(gone(address) for address in draining))
        print("drained: no SFU process left on this node")
    return 0
