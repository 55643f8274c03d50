"""The request-scoped dependency of route handlers: the service stubs bound to the caller
(`Backends`, see `clients`), so every call forwards the caller's metadata with the deadline."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.gateway.clients import Backends, ServiceClients, call_metadata
from services.gateway.config import GatewaySettings


async def get_backends(request: Request) -> Backends:
    # async on purpose: FastAPI runs a plain `def` dependency in a worker thread, per request.
    settings: GatewaySettings = request.app.state.settings
    clients: ServiceClients = request.app.state.clients
    return clients.bind(call_metadata(request, settings.trust_forwarded_for))


BackendsDep = Annotated[Backends, Depends(get_backends)]
