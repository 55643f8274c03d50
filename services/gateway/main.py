"""Runs the gateway: `parta-gateway` (uvicorn serving the HTTP app, plus /metrics)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Iterator

import uvicorn

from services.common.auth import TokenVerifier
from services.common.identity_keys import identity_key_source
from services.common.logging import get_logger
from services.common.metrics import MetricsEndpoint, start_metrics_endpoint
from services.common.runtime import run_service
from services.gateway.app import create_app
from services.gateway.clients import ServiceClients
from services.gateway.config import GatewaySettings
from services.gateway.live.socket import LiveService

log = get_logger(__name__)


class _Server(uvicorn.Server):
    """uvicorn inside our process: SIGTERM/SIGINT are the process's to handle, not uvicorn's."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class GatewayApp:
    def __init__(self, settings: GatewaySettings) -> None:
        self.settings = settings
        self.clients = ServiceClients.connect(
            identity_addr=settings.identity_addr,
            directory_addr=settings.directory_addr,
            messaging_addr=settings.messaging_addr,
            media_addr=settings.media_addr,
            timeout=settings.grpc_timeout_seconds,
        )
        self.app = create_app(settings, self.clients)
        self.live: LiveService = self.app.state.live
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None
        self.metrics: MetricsEndpoint | None = None
        self.port = 0

    async def start(self) -> None:
        # The live channel verifies access tokens itself (the first frame carries the token),
        # with identity's published keys, like every service does.
        await self.live.start(TokenVerifier(identity_key_source(self.clients.stubs.identity)))
        # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY on accepted connections only for sockets
        # that say they are TCP; without it every response waits ~40 ms for a delayed ACK.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.settings.http_host, self.settings.http_port))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.app,
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=int(self.settings.shutdown_grace_seconds),
        )
        self._server = _Server(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]), name="gateway-http")
        while not self._server.started:
            if self._task.done():
                await self._task
                raise RuntimeError("the HTTP server stopped while starting")
            await asyncio.sleep(0.01)
        self.metrics = start_metrics_endpoint(self.settings.metrics_port, self.settings.grpc_host)
        log.info(
            "gateway.ready", url=f"http://{self.settings.http_host}:{self.port}", metrics=self.metrics.port
        )

    async def stop(self) -> None:
        # WebSockets first, with 1001 (going away): clients reconnect elsewhere and resume.
        await self.live.close_sockets(grace=self.settings.shutdown_grace_seconds)
        if self._server is not None:
            self._server.should_exit = True
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.live.stop()
        await self.clients.close()
        if self.metrics is not None:
            self.metrics.stop()


def main() -> None:
    run_service("gateway", GatewaySettings, GatewayApp, migrations=None)


if __name__ == "__main__":
    main()
