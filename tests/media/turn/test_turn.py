"""A call through a real coturn: aiortc client peers whose ICE policy is relay only (a school behind
a firewall that lets nothing but TCP to the TURN server out) reach the SFU engine through coturn and
media flows; the credentials are the ones the control plane hands out with JoinCall
(services/media/calls/ice.py, coturn's REST-API convention); wrong or expired ones are refused.
Everything on 127.0.0.1 (coturn's listener and relay address too)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from aioice import turn
from aioice.stun import TransactionFailed
from aiortc import (
    RTCBundlePolicy,
    RTCConfiguration,
    RTCIceServer,
    RTCIceTransportPolicy,
    RTCPeerConnection,
)

from services.media.calls.ice import IceServer, ice_servers
from services.media.sfu import adapter
from services.media.sfu.engine import EngineOptions, SfuEngine
from tests.media.sfu.clients import (
    LOOPBACK,
    Listener,
    PublishingClient,
    SubscribingClient,
    flowing,
    publish,
    subscribe,
    wait_connected,
)
from tests.support.coturn import Coturn

CALL = "call-behind-a-firewall"


def credentials(coturn: Coturn, transport: str, *, now: datetime | None = None, ttl: int = 3600) -> IceServer:
    """What JoinCall gives a participant when the control plane knows this TURN server."""
    (server,) = ice_servers(
        "user-1",
        now or datetime.now(UTC),
        stun_urls=[],
        turn_urls=[coturn.url(transport)],
        turn_secret=coturn.secret,
        turn_ttl_seconds=ttl,
    )
    return server


def relay_only_peer(server: IceServer) -> RTCPeerConnection:
    """A client peer that may use nothing but its TURN server (iceTransportPolicy "relay")."""
    return RTCPeerConnection(
        RTCConfiguration(
            iceServers=[
                RTCIceServer(urls=list(server.urls), username=server.username, credential=server.credential)
            ],
            iceTransportPolicy=RTCIceTransportPolicy.RELAY,
            bundlePolicy=RTCBundlePolicy.MAX_BUNDLE,
        )
    )


def relay_publisher(server: IceServer) -> PublishingClient:
    pc = relay_only_peer(server)
    audio = pc.addTransceiver("audio", direction="sendonly")
    video = pc.addTransceiver("video", direction="sendonly")
    adapter.confine_peer(pc, ("127.0.0.1",), LOOPBACK)  # and nothing sent outside loopback
    client = PublishingClient(pc, audio, video)
    adapter.take_ingress(adapter.dtls_transport(audio), client._on_rtp, client._on_rtcp)
    return client


def candidate_types(pc: RTCPeerConnection) -> set[str]:
    return {
        kind
        for transport in adapter.dtls_transports(pc)
        for kind, _, _ in adapter.local_candidates(transport)
    }


@pytest.fixture
async def engine() -> AsyncIterator[SfuEngine]:
    sfu = SfuEngine(
        Listener(), EngineOptions(host_addresses=("127.0.0.1",), allowed_networks=("127.0.0.0/8",))
    )
    yield sfu
    await sfu.close()


@pytest.mark.parametrize("transport", ["tcp", "udp"])
async def test_a_relay_only_client_reaches_the_sfu_through_coturn_and_media_flows(
    coturn: Coturn, engine: SfuEngine, transport: str
) -> None:
    server = credentials(coturn, transport)
    await engine.open_session(CALL, "alice", "user-alice", may_publish=True)
    await engine.open_session(CALL, "carol", "user-carol", may_publish=True)
    alice, carol = relay_publisher(server), SubscribingClient(relay_only_peer(server))
    try:
        await publish(engine, CALL, "alice", alice)
        await subscribe(engine, CALL, "carol", carol)
        await wait_connected(alice.pc, carol.pc)
        # Neither client had any way to the SFU but its TURN allocation.
        assert candidate_types(alice.pc) == {"relay"}
        assert candidate_types(carol.pc) == {"relay"}
        await flowing(alice, carol, streams=2)
    finally:
        await alice.close()
        await carol.close()


async def allocate(coturn: Coturn, server: IceServer) -> None:
    """One TURN allocation over TCP with these credentials (raises TransactionFailed when refused)."""
    transport, _ = await turn.create_turn_endpoint(
        asyncio.DatagramProtocol,
        server_addr=("127.0.0.1", coturn.port),
        username=server.username,
        password=server.credential,
        transport="tcp",
    )
    transport.close()


async def test_valid_credentials_get_an_allocation(coturn: Coturn) -> None:
    await allocate(coturn, credentials(coturn, "tcp"))


async def test_a_wrong_credential_is_refused(coturn: Coturn) -> None:
    good = credentials(coturn, "tcp")
    forged = IceServer(urls=good.urls, username=good.username, credential="bm90LXRoZS1obWFj")
    with pytest.raises(TransactionFailed) as refused:
        await allocate(coturn, forged)
    assert refused.value.response.attributes["ERROR-CODE"][0] == 401


async def test_an_expired_credential_is_refused(coturn: Coturn) -> None:
    """The username carries its expiry: a participant's credentials stop working after the TTL."""
    expired = credentials(coturn, "tcp", now=datetime.now(UTC) - timedelta(hours=2), ttl=3600)
    with pytest.raises(TransactionFailed) as refused:
        await allocate(coturn, expired)
    assert refused.value.response.attributes["ERROR-CODE"][0] == 401
