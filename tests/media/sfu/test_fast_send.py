"""The SFU's per-packet send (adapter.rtp_sender_of) connects the host candidate's UDP socket to the
selected pair's remote address and writes to it; the socket stays what aioice needs: its STUN (sent
with an address) still leaves, and a refused destination is reported, not fatal, on both loops."""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Iterator

import pytest
import uvloop

from services.media.sfu import adapter
from tests.support.waiting import until


class Recording(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.errors: list[Exception] = []

    def error_received(self, exc: Exception) -> None:
        self.errors.append(exc)


@pytest.fixture
def sink() -> Iterator[socket.socket]:
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(5.0)
    yield receiver
    receiver.close()


async def endpoint() -> tuple[asyncio.DatagramTransport, Recording]:
    loop = asyncio.get_running_loop()
    transport, protocol = await loop.create_datagram_endpoint(Recording, local_addr=("127.0.0.1", 0))
    return transport, protocol


@pytest.mark.parametrize("loop_name", ["uvloop", "asyncio"])
def test_a_connected_socket_writes_to_the_pair_and_still_sends_stun_with_an_address(
    sink: socket.socket, loop_name: str
) -> None:
    async def scenario() -> None:
        transport, _ = await endpoint()
        try:
            fd = adapter.connect_to_pair(transport, sink.getsockname())
            assert fd >= 0
            os.write(fd, b"rtp")
            assert sink.recv(16) == b"rtp"
            transport.sendto(b"stun", sink.getsockname())  # aioice's way
            assert sink.recv(16) == b"stun"
        finally:
            transport.close()

    run(scenario(), loop_name)


@pytest.mark.parametrize("loop_name", ["uvloop", "asyncio"])
def test_a_refused_destination_is_reported_and_the_transport_stays_open(
    sink: socket.socket, loop_name: str
) -> None:
    async def scenario() -> None:
        transport, protocol = await endpoint()
        try:
            fd = adapter.connect_to_pair(transport, sink.getsockname())
            sink.close()  # the subscriber is gone: ICMP port unreachable from now on
            os.write(fd, b"rtp")
            await until(lambda: protocol.errors, within=5.0, what="the refusal reported to the protocol")
            assert all(isinstance(error, ConnectionRefusedError) for error in protocol.errors)
            assert not transport.is_closing()
            transport.sendto(b"stun", ("127.0.0.1", 9))  # aioice may still send: no exception either
        finally:
            transport.close()

    run(scenario(), loop_name)


def run(scenario: object, loop_name: str) -> None:
    factory = uvloop.new_event_loop if loop_name == "uvloop" else asyncio.new_event_loop
    with asyncio.Runner(loop_factory=factory) as runner:
        runner.run(scenario)  # type: ignore[arg-type]
