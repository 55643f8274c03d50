"""Where the SFU's host candidates bind and what they announce (EngineOptions.udp_ports and
.announced_addresses: PARTA_SFU_UDP_PORTS — a process's slice of it — and PARTA_SFU_ANNOUNCED_ADDRESSES):
a real engine and aiortc client peers, all on loopback. The SFU binds
the wildcard address — the pod's view in a cluster — and announces 127.0.0.1, as it would announce a
LoadBalancer or node address; the clients reach it only through what the candidates say."""

from __future__ import annotations

import asyncio
import errno
import inspect
import socket
from collections.abc import AsyncIterator, Iterator

import aioice.candidate
import aioice.ice
import aioice.turn
import pytest
from aiortc import RTCPeerConnection
from aiortc.sdp import candidate_from_sdp

from services.media.sfu import adapter
from services.media.sfu.engine import EngineOptions, SfuEngine
from tests.media.sfu.clients import Listener, alice_to_carol, flowing

CALL = "call-ports"


def free_port_range(size: int) -> tuple[int, int]:
    """`size` consecutive UDP ports nobody on 127.0.0.1 or the wildcard address holds right now."""
    for first in range(47000, 60000, size):
        sockets: list[socket.socket] = []
        try:
            for port in range(first, first + size):
                sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                sockets.append(sock)
                sock.bind(("0.0.0.0", port))
            return first, first + size - 1
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
    raise RuntimeError("no free UDP port range")


def announced_candidates(pc: RTCPeerConnection) -> list[tuple[str, int]]:
    """(address, port) of every host candidate in the SFU's SDP the client peer received."""
    description = pc.remoteDescription
    assert description is not None
    found = []
    for line in description.sdp.splitlines():
        if line.startswith("a=candidate:"):
            candidate = candidate_from_sdp(line.split(":", 1)[1])
            if candidate.type == "host":
                found.append((candidate.ip, candidate.port))
    return found


@pytest.fixture
async def engine() -> AsyncIterator[tuple[SfuEngine, tuple[int, int]]]:
    ports = free_port_range(16)
    engine = SfuEngine(
        Listener(),
        EngineOptions(
            host_addresses=("0.0.0.0",),
            allowed_networks=("127.0.0.0/8",),
            udp_ports=ports,
            announced_addresses=("127.0.0.1",),
        ),
    )
    yield engine, ports
    await engine.close()


async def test_host_candidates_bind_in_the_range_and_carry_the_announced_address(
    engine: tuple[SfuEngine, tuple[int, int]],
) -> None:
    sfu, (first, last) = engine
    async with alice_to_carol(sfu, CALL) as (alice, carol):
        for pc in (alice.pc, carol.pc):
            candidates = announced_candidates(pc)
            assert candidates, "the SFU offered no host candidate"
            # Never the bound wildcard address: only the announced one, on a port of the range.
            assert {address for address, _ in candidates} == {"127.0.0.1"}
            assert all(first <= port <= last for _, port in candidates)
        # The clients reached the SFU through the announced address only, and media flows.
        await flowing(alice, carol, streams=2)


async def test_a_session_without_the_settings_binds_anywhere_and_announces_what_it_bound() -> None:
    sfu = SfuEngine(
        Listener(), EngineOptions(host_addresses=("127.0.0.1",), allowed_networks=("127.0.0.0/8",))
    )
    try:
        async with alice_to_carol(sfu, CALL) as (alice, carol):
            assert {address for address, _ in announced_candidates(alice.pc)} == {"127.0.0.1"}
            await flowing(alice, carol, streams=2)
    finally:
        await sfu.close()


@pytest.fixture
def occupied() -> Iterator[list[socket.socket]]:
    held: list[socket.socket] = []
    yield held
    for sock in held:
        sock.close()


async def test_binding_skips_taken_ports_and_fails_clearly_when_the_range_is_full(
    occupied: list[socket.socket],
) -> None:
    first, last = free_port_range(2)
    taken = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    occupied.append(taken)
    taken.bind(("127.0.0.1", first))

    transport, _ = await adapter.bind_udp_in_range("127.0.0.1", (first, last), asyncio.DatagramProtocol)
    try:
        assert transport.get_extra_info("sockname")[1] == last
        with pytest.raises(OSError, match="no free UDP port") as refused:
            await adapter.bind_udp_in_range("127.0.0.1", (first, last), asyncio.DatagramProtocol)
        assert refused.value.errno == errno.EADDRINUSE
    finally:
        transport.close()


def test_the_aioice_names_host_placement_relies_on_are_there() -> None:
    """adapter.place_host_candidates takes the host part of aioice's gathering over: an aioice upgrade
    that moves it (or gathers differently) must fail here, not in a call."""
    connection = aioice.ice.Connection
    gather = inspect.getsource(connection.get_component_candidates)
    assert list(inspect.signature(connection.get_component_candidates).parameters) == [
        "self",
        "component",
        "addresses",
        "timeout",
    ]
    # aioice still binds host sockets itself on any port, keeps them in `_protocols`, asks the STUN
    # server for each, and gathers the TURN candidate whatever the addresses.
    assert "local_addr=(address, 0)" in gather
    assert "self._protocols += host_protocols" in gather
    assert "self.stun_server" in gather
    assert "relayed_candidate(" in gather
    assert "self._protocols" in inspect.getsource(connection.__init__)
    assert list(inspect.signature(aioice.ice.server_reflexive_candidate).parameters) == [
        "protocol",
        "stun_server",
    ]
    assert list(inspect.signature(aioice.ice.StunProtocol).parameters) == ["receiver"]
    assert callable(aioice.candidate.candidate_foundation)
    assert callable(aioice.candidate.candidate_priority)
    assert isinstance(aioice.turn.UDP_SOCKET_BUFFER_SIZE, int)
    # Under the relay transport policy aioice asks for no host address (restrict_ice keeps it so).
    assert "TransportPolicy.ALL" in inspect.getsource(connection.gather_candidates)


def test_announced_addresses_pair_with_host_addresses_in_order_or_one_for_all() -> None:
    one = adapter.HostCandidates(("10.0.0.5", "10.0.1.5"), (40000, 40999), ("203.0.113.7",))
    assert [one.announced_for(i, bound) for i, bound in enumerate(one.addresses)] == ["203.0.113.7"] * 2
    each = adapter.HostCandidates(("10.0.0.5", "10.0.1.5"), None, ("203.0.113.7", "198.51.100.9"))
    assert [each.announced_for(i, bound) for i, bound in enumerate(each.addresses)] == [
        "203.0.113.7",
        "198.51.100.9",
    ]
    none = adapter.HostCandidates(("10.0.0.5",))
    assert none.announced_for(0, "10.0.0.5") == "10.0.0.5"
