"""Wires the SFU process together and runs it: `parta-sfu [serve [--processes auto|N]] | drain
[--wait]`. A process like the others but with no database: NATS (the live events it publishes, its
entry in the fleet's registry), the engine (services.media.sfu.engine) behind the gRPC service
`parta.media.v1.Sfu` (api.py), health (SERVING while NATS is connected) and the /metrics endpoint
(the engine's counters are on the default registry).

SIGTERM drains (fleet/drain.py): the process keeps its calls and exits once it holds none; SIGINT
stops at once. With more than one process per node (`--processes`, PARTA_SFU_PROCESSES) `serve`
is the supervisor of the node's processes (fleet/supervisor.py)."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Sequence

from nats.aio.client import Client as NATS

from parta.media.v1 import sfu_pb2_grpc
from services.common import eventloop
from services.common.broker import connect_nats
from services.common.grpcserver import GrpcServer
from services.common.logging import configure_logging, get_logger
from services.common.metrics import MetricsEndpoint, start_metrics_endpoint
from services.common.runtime import freeze_startup_objects
from services.common.serving import Servicer, grpc_server_for
from services.common.settings import load_settings
from services.media.sfu.api import PUBLIC_METHODS, SERVICE_NAME, SessionFeed, SfuApi, ShellListener
from services.media.sfu.config import SfuSettings
from services.media.sfu.engine import EngineOptions, IceServer, SfuEngine
from services.media.sfu.fleet.command import drain_node
from services.media.sfu.fleet.member import FleetMember
from services.media.sfu.fleet.supervisor import supervise
from services.media.sfu.ports import EngineListener

log = get_logger(__name__)


def engine_options(settings: SfuSettings) -> EngineOptions:
    """PARTA_SFU_* → the engine's options (this process's slice of the node's UDP ports)."""
    ice = settings.ice_urls
    return EngineOptions(
        host_addresses=tuple(settings.host_addresses),
        allowed_networks=tuple(settings.allowed_networks),
        ice_servers=(
            (IceServer(tuple(ice), settings.sfu_ice_username, settings.sfu_ice_credential),) if ice else ()
        ),
        udp_ports=settings.udp_ports,
        announced_addresses=tuple(settings.announced_addresses),
    )


def engine_from(settings: SfuSettings, listener: EngineListener) -> SfuEngine:
    return SfuEngine(listener, engine_options(settings))


class SfuApp:
    """The SFU process: NATS, the engine and its listener, the gRPC server, the metrics endpoint, its
    membership of the fleet (registered while it runs; `fleet.done` once drained)."""

    def __init__(self, settings: SfuSettings) -> None:
        self.settings = settings
        self.feed = SessionFeed()
        self.listener = ShellListener(self._publish, self.feed)
        self.engine = engine_from(settings, self.listener)
        self.fleet = FleetMember(
            self.engine.sessions,
            node=settings.node,
            process=settings.sfu_process,
            bucket=settings.sfu_fleet_bucket,
            heartbeat_seconds=settings.sfu_heartbeat_seconds,
            ttl_seconds=settings.sfu_registry_ttl_seconds,
            drain_seconds=settings.sfu_drain_seconds,
        )
        self._nc: NATS | None = None
        self.grpc: GrpcServer | None = None
        self.metrics: MetricsEndpoint | None = None

    async def _publish(self, subject: str, payload: bytes) -> None:
        assert self._nc is not None, "start() first"
        await self._nc.publish(subject, payload)

    async def _nats_healthy(self) -> bool:
        return self._nc is not None and self._nc.is_connected

    @property
    def address(self) -> str:
        """host:port the control plane dials (the advertised host, the bound port)."""
        assert self.grpc is not None, "start() first"
        return f"{self.settings.advertise_host}:{self.grpc.address.rsplit(':', 1)[1]}"

    async def start(self) -> None:
        self._nc = await connect_nats(self.settings.nats_url, name="sfu")
        self.listener.start()
        self.grpc = grpc_server_for(
            "sfu",
            self.settings,
            None,
            [
                Servicer(
                    sfu_pb2_grpc.add_SfuServicer_to_server,
                    SfuApi(self.engine, self.feed, self.fleet),
                    SERVICE_NAME,
                )
            ],
            public_methods=PUBLIC_METHODS,
            health_checks=[self._nats_healthy],
        )
        await self.grpc.start()
        self.metrics = start_metrics_endpoint(self.settings.metrics_port, self.settings.grpc_host)
        await self.fleet.start(self._nc, self.address, relay_address=self.engine.relay_address())
        log.info(
            "service.ready",
            grpc=self.grpc.address,
            metrics_port=self.metrics.port,
            node=self.fleet.node,
            process=self.fleet.process,
        )

    async def stop(self) -> None:
        # Out of the registry first (no call is placed here any more), then stop taking calls; end
        # the watch streams so the server's grace is not spent waiting on them.
        await self.fleet.stop()
        self.feed.close()
        if self.grpc is not None:
            await self.grpc.stop(self.settings.shutdown_grace_seconds)
        await self.engine.close()
        await self.listener.stop()
        if self._nc is not None and not self._nc.is_closed:
            try:
                await self._nc.drain()
            except Exception:
                await self._nc.close()
        if self.metrics is not None:
            self.metrics.stop()
        log.info("service.stopped")


async def serve_one(app: SfuApp) -> None:
    """One SFU process until it is drained (SIGTERM, or the Drain RPC, then its last call over) or
    stopped at once (SIGINT)."""
    loop = asyncio.get_running_loop()
    now = asyncio.Event()
    loop.add_signal_handler(signal.SIGINT, now.set)
    draining: set[asyncio.Task[None]] = set()  # a reference to the drain task while it runs

    def drain() -> None:
        task = loop.create_task(app.fleet.begin_drain())
        draining.add(task)
        task.add_done_callback(draining.discard)

    loop.add_signal_handler(signal.SIGTERM, drain)
    await app.start()
    freeze_startup_objects()
    waits = [asyncio.ensure_future(now.wait()), asyncio.ensure_future(app.fleet.done.wait())]
    await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    for waiting in waits:
        waiting.cancel()
    log.info("service.stopping", drained=app.fleet.done.is_set())
    await app.stop()


def parser() -> argparse.ArgumentParser:
    parse = argparse.ArgumentParser(prog="parta-sfu")
    parse.add_argument("command", nargs="?", default="serve", choices=["serve", "drain"])
    parse.add_argument(
        "--processes", help='"auto" (one per core) or N: the node\'s processes; default PARTA_SFU_PROCESSES'
    )
    parse.add_argument("--wait", action="store_true", help="drain: return once the processes have exited")
    # Internal: the supervisor starts process i of the node with `serve --one i`.
    parse.add_argument("--one", type=int, default=None, help=argparse.SUPPRESS)
    return parse


def main(argv: Sequence[str] | None = None) -> None:
    args = parser().parse_args(argv)
    settings = load_settings(SfuSettings)
    if args.processes is not None:
        try:
            settings = SfuSettings.model_validate({**settings.model_dump(), "sfu_processes": args.processes})
        except ValueError as error:
            raise SystemExit(f"parta-sfu: --processes: {error}") from None
    configure_logging("sfu", level=settings.log_level, json=settings.log_json)
    if args.command == "drain":
        sys.exit(eventloop.run(drain_node(settings, wait=args.wait), settings.event_loop))
    if args.one is None and settings.process_count > 1:
        sys.exit(asyncio.run(supervise(settings.process_count)))
    one = settings.for_process(args.one or 0)

    async def serve() -> None:
        # Built inside the running loop: grpc.aio channels and servers bind to the loop they are made in.
        await serve_one(SfuApp(one))

    eventloop.run(serve(), settings.event_loop)


if __name__ == "__main__":
    main()
