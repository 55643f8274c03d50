"""Request-scoped helpers for route handlers: the service stubs and the metadata to forward."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from google.protobuf.timestamp_pb2 import Timestamp

from services.gateway.clients import ServiceClients, call_metadata
from services.gateway.config import GatewaySettings


@dataclass
class Rpc:
    """What a handler needs to call a service on the caller's behalf."""

    clients: ServiceClients
    metadata: tuple[tuple[str, str], ...]

    @property
    def timeout(self) -> float:
        return self.clients.timeout


async def get_rpc(request: Request) -> Rpc:
    # async on purpose: FastAPI runs a plain `def` dependency in a worker thread, per request.
    settings: GatewaySettings = request.app.state.settings
    return Rpc(request.app.state.clients, call_metadata(request, settings.trust_forwarded_for))


RpcDep = Annotated[Rpc, Depends(get_rpc)]


def timestamp(value: Timestamp) -> object:
    """A protobuf Timestamp as a datetime, or None when unset."""
    if value.seconds == 0 and value.nanos == 0:
        return None
    return value.ToDatetime().isoformat() + "Z"
