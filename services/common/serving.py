"""How a service takes gRPC calls, the same in every `main.py`: the servicers it serves (`Servicer`),
the gRPC server built from its settings around them (`grpc_server_for`: PARTA_GRPC_HOST/PORT, the
token verifier, the public methods, health checks), and — for every service but identity, which
holds the keys itself — `IdentityKeys`: the channel to identity whose GetSigningKeys feeds the
`TokenVerifier`. `ServiceRuntime.serve_grpc` (runtime.py) puts them together with the runtime's
health checks and starts serving.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import grpc

from parta.identity.v1 import identity_pb2_grpc
from services.common.auth import TokenVerifier
from services.common.grpcserver import GrpcServer, HealthCheck
from services.common.identity_keys import identity_key_source
from services.common.settings import ServiceSettings

DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class Servicer:
    """One gRPC service of a process: Servicer(add_XServicer_to_server, XServicer(...), "parta.x.v1.X")."""

    add_to_server: Callable[[Any, Any], None]
    servicer: Any
    full_name: str


def grpc_server_for(
    name: str,
    settings: ServiceSettings,
    verifier: TokenVerifier | None,
    servicers: Iterable[Servicer],
    *,
    public_methods: Iterable[str] = (),
    health_checks: Iterable[HealthCheck] = (),
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
) -> GrpcServer:
    """The service's gRPC server on PARTA_GRPC_HOST:PARTA_GRPC_PORT with its servicers added (not started)."""
    server = GrpcServer(
        name,
        host=settings.grpc_host,
        port=settings.grpc_port,
        verifier=verifier,
        public_methods=public_methods,
        health_checks=health_checks,
        max_message_bytes=max_message_bytes,
    )
    for servicer in servicers:
        server.add(servicer.add_to_server, servicer.servicer, servicer.full_name)
    return server


class IdentityKeys:
    """Access tokens verified with identity's public keys, fetched over gRPC (GetSigningKeys) and
    asked again on an unknown kid. `verifier()` opens the channel — inside the running loop, as
    grpc.aio wants; `close()` closes it after the server has stopped."""

    def __init__(self, identity_addr: str) -> None:
        self._address = identity_addr
        self._channel: grpc.aio.Channel | None = None

    def verifier(self) -> TokenVerifier:
        if self._channel is None:
            self._channel = grpc.aio.insecure_channel(self._address)
        return TokenVerifier(identity_key_source(identity_pb2_grpc.IdentityStub(self._channel)))

    async def close(self) -> None:
        if self._channel is not None:
            await self._channel.close()
            self._channel = None
