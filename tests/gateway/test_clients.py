"""`Backends`: the stubs bound to one caller fill in the caller's metadata and the deadline on every
call, and a call's own `timeout=` (file transfers) wins over the bound one."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from services.gateway.clients import Backends, ServiceClients


class FakeStub:
    def __init__(self) -> None:
        self.calls: list[tuple[Any, dict[str, Any]]] = []

    def GetChat(self, request: Any, **options: Any) -> str:
        self.calls.append((request, options))
        return "reply"


def fake_clients(stub: FakeStub) -> ServiceClients:
    stubs = Backends(**{field.name: stub for field in fields(Backends)})
    return ServiceClients(channels={}, stubs=stubs, timeout=7.5)


def test_a_bound_call_carries_the_callers_metadata_and_the_deadline() -> None:
    stub = FakeStub()
    metadata = (("authorization", "Bearer t"), ("x-request-id", "r1"))
    backends = fake_clients(stub).bind(metadata)
    assert backends.chats.GetChat("request") == "reply"
    assert stub.calls == [("request", {"metadata": metadata, "timeout": 7.5})]


def test_a_calls_own_timeout_wins() -> None:
    stub = FakeStub()
    backends = fake_clients(stub).bind(())
    backends.chats.GetChat("request", timeout=3600.0)
    assert stub.calls == [("request", {"metadata": (), "timeout": 3600.0})]
