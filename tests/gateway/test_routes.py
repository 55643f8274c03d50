"""The gateway's routes are unambiguous: no request path and method is answered by two routes, so
the order the routers are included in (chosen for speed in `services/gateway/app.py`) decides
nothing about which route answers."""

from __future__ import annotations

import re
from typing import Any

from fastapi.routing import APIRoute

from services.gateway.app import create_app
from services.gateway.clients import ServiceClients
from services.gateway.config import GatewaySettings


def _api_routes(routes: list[Any]) -> list[APIRoute]:
    """Every API route, looking into the included routers (FastAPI keeps them as wrappers)."""
    found: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        elif (router := getattr(route, "original_router", None)) is not None:
            found += _api_routes(list(router.routes))
    return found


def _sample_path(route: APIRoute) -> str:
    """The route's path with each parameter filled in by a value of the right kind."""
    return re.sub(r"{([^}:]+)(:[^}]+)?}", lambda m: "12345", route.path)


async def test_no_two_routes_answer_the_same_method_and_path() -> None:
    clients = ServiceClients.connect(
        identity_addr="127.0.0.1:9", directory_addr="127.0.0.1:9", messaging_addr="127.0.0.1:9", timeout=1
    )
    app = create_app(GatewaySettings(dev=True), clients)
    # The web client's catch-all (`/{path:path}`) is the one route meant to answer what no other
    # does; it is left out here.
    routes = [route for route in _api_routes(list(app.routes)) if route.name != "client"]
    assert len(routes) > 50  # every router is included
    clashes = []
    for route in routes:
        sample = _sample_path(route)
        for other in routes:
            if other is route or not (route.methods & other.methods):
                continue
            if other.path_regex.match(sample):
                clashes.append(f"{sorted(route.methods)} {route.path} is also {other.path}")
    await clients.close()
    assert clashes == []
