"""A node's SFU processes through the real entry point: `parta-sfu serve --processes 2` starts two
processes, each on its own ports and registered on its own; `parta-sfu drain --wait --processes 2`
(the Helm preStop hook, told the node's processes as serve was) drains both and returns once they
have exited (they hold no call), leaving the registry."""

from __future__ import annotations

import asyncio
import socket
import sys
from pathlib import Path

from nats.aio.client import Client as NATS
from nats.js.errors import NoKeysError

from parta.media.v1 import fleet_pb2
from services.devstack.embedded import free_port
from tests.support.platform import Infra, fleet_bucket, serving, sfu_environment, start_sfu_child
from tests.support.waiting import until


def free_port_pair() -> int:
    """A free port P with P+1 free too (process i of a node listens on PARTA_GRPC_PORT + i)."""
    while True:
        port = free_port()
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port


async def registered(nc: NATS, bucket: str) -> dict[str, fleet_pb2.SfuProcess]:
    """The registry's entries now, by key."""
    kv = await nc.jetstream().key_value(bucket)
    found = {}
    try:
        keys = await kv.keys()
    except NoKeysError:
        return {}
    for key in keys:
        entry = await kv.get(key)
        if entry.value:
            found[key] = fleet_pb2.SfuProcess.FromString(entry.value)
    return found


async def test_serve_with_two_processes_registers_each_and_drain_wait_returns_once_both_exited(
    infra: Infra, tmp_path: Path
) -> None:
    bucket = fleet_bucket()
    grpc_port, metrics_port = free_port_pair(), free_port_pair()
    env = sfu_environment(infra.nats.url, bucket, grpc_port, metrics_port, sfu_node="t-node")
    nc = NATS()
    await nc.connect(infra.nats.url)
    node = start_sfu_child(env, tmp_path / "node.log", grpc_port, metrics_port, "--processes", "2")
    try:

        async def both() -> dict[str, fleet_pb2.SfuProcess] | None:
            assert node.running, node.output()
            try:
                entries = await registered(nc, bucket)
            except Exception:  # the bucket not made yet
                return None
            return entries if len(entries) == 2 else None

        entries = await until(both, within=60, what="both processes of the node registered")
        assert sorted(entries) == ["t-node.0", "t-node.1"]
        assert sorted(e.address for e in entries.values()) == [
            f"127.0.0.1:{grpc_port}",
            f"127.0.0.1:{grpc_port + 1}",
        ]
        assert all(e.state == fleet_pb2.SFU_STATE_SERVING for e in entries.values())
        # Each takes relayed RTP (broadcast edges) on its own loopback socket.
        relays = {e.relay_address for e in entries.values()}
        assert len(relays) == 2 and all(r.startswith("127.0.0.1:") for r in relays), relays
        assert await serving(f"127.0.0.1:{grpc_port + 1}")

        drain = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "services.media.sfu.main",
            "drain",
            "--wait",
            "--processes",
            "2",
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await asyncio.wait_for(drain.communicate(), timeout=60)
        assert drain.returncode == 0, output.decode()
        assert "drained: no SFU process left on this node" in output.decode()
        try:
            await until(lambda: not node.running, within=30, what="the node's supervisor exiting")
        except AssertionError as error:
            raise AssertionError(f"{error}: {node.output()}") from None
        assert node.popen.returncode == 0, node.output()
        assert await registered(nc, bucket) == {}, "a clean exit leaves the registry"
    finally:
        if node.running:
            node.kill()
        await nc.close()
