"""Wires the SFU process together and runs it: `parta-sfu [serve]`. A process like the others but
with no database: NATS (the live events it publishes), the engine (services.media.sfu.engine) behind
the gRPC service `parta.media.v1.Sfu` (api.py), health (SERVING while NATS is connected) and the
/metrics endpoint (the engine's counters are on the default registry)."""

from __future__ import annotations

from nats.aio.client import Client as NATS

from parta.media.v1 import sfu_pb2_grpc
from services.common.broker import connect_nats
from services.common.grpcserver import GrpcServer
from services.common.logging import get_logger
from services.common.metrics import MetricsEndpoint, start_metrics_endpoint
from services.common.runtime import run_service
from services.common.serving import Servicer, grpc_server_for
from services.media.sfu.api import PUBLIC_METHODS, SERVICE_NAME, SessionFeed, SfuApi, ShellListener
from services.media.sfu.config import SfuSettings
from services.media.sfu.engine import EngineOptions, IceServer, SfuEngine
from services.media.sfu.ports import EngineListener

log = get_logger(__name__)


def engine_options(settings: SfuSettings) -> EngineOptions:
    """PARTA_SFU_* → the engine's options."""
    ice = settings.ice_urls
    return EngineOptions(
        host_addresses=tuple(settings.host_addresses),
        allowed_networks=tuple(settings.allowed_networks),
        ice_servers=(
            (IceServer(tuple(ice), settings.sfu_ice_username, settings.sfu_ice_credential),) if ice else ()
        ),
    )


def engine_from(settings: SfuSettings, listener: EngineListener) -> SfuEngine:
    return SfuEngine(listener, engine_options(settings))


class SfuApp:
    """The SFU process: NATS, the engine and its listener, the gRPC server, the metrics endpoint."""

    def __init__(self, settings: SfuSettings) -> None:
        self.settings = settings
        self.feed = SessionFeed()
        self.listener = ShellListener(self._publish, self.feed)
        self.engine = engine_from(settings, self.listener)
        self._nc: NATS | None = None
        self.grpc: GrpcServer | None = None
        self.metrics: MetricsEndpoint | None = None

    async def _publish(self, subject: str, payload: bytes) -> None:
        assert self._nc is not None, "start() first"
        await self._nc.publish(subject, payload)

    async def _nats_healthy(self) -> bool:
        return self._nc is not None and self._nc.is_connected

    async def start(self) -> None:
        self._nc = await connect_nats(self.settings.nats_url, name="sfu")
        self.listener.start()
        self.grpc = grpc_server_for(
            "sfu",
            self.settings,
            None,
            [Servicer(sfu_pb2_grpc.add_SfuServicer_to_server, SfuApi(self.engine, self.feed), SERVICE_NAME)],
            public_methods=PUBLIC_METHODS,
            health_checks=[self._nats_healthy],
        )
        await self.grpc.start()
        self.metrics = start_metrics_endpoint(self.settings.metrics_port, self.settings.grpc_host)
        log.info("service.ready", grpc=self.grpc.address, metrics_port=self.metrics.port)

    async def stop(self) -> None:
        # Stop taking calls; end the watch streams so the server's grace is not spent waiting on them.
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


def main() -> None:
    run_service("sfu", SfuSettings, SfuApp, None)


if __name__ == "__main__":
    main()
