"""The relay's legs in one process (services/media/sfu/relay/): an origin and an edge `SfuEngine`
on 127.0.0.1, a crafted-RTP publisher on the origin. The relay's addresses are checked against the
allowed networks (the issue's network safety); ServeRelay and OpenRelay are reconciliations the
control plane may repeat; a relayed publisher is no participant of the edge."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from services.common.errors import InvalidArgument, NotFound
from services.media.sfu import adapter
from services.media.sfu.engine import EngineOptions, SfuEngine
from services.media.sfu.ports import RelayTracks, Source
from services.media.sfu.relay.wire import parse_address
from tests.media.sfu.clients import Listener, PublishingClient, SubscribingClient, publish, subscribe
from tests.support.waiting import until

LOOPBACK = adapter.parse_networks(["127.0.0.0/8", "::1/128"])
OPTIONS = EngineOptions(host_addresses=("127.0.0.1",), allowed_networks=("127.0.0.0/8",))


def test_a_relay_address_is_an_ip_and_port_inside_the_allowed_networks() -> None:
    assert parse_address("127.0.0.1:40000", LOOPBACK, "a") == ("127.0.0.1", 40000)
    assert parse_address("[::1]:40000", LOOPBACK, "a") == ("::1", 40000)
    for refused in ("10.0.0.1:40000", "sfu-0.parta:40000", "127.0.0.1", "127.0.0.1:0", "127.0.0.1:70000", ""):
        with pytest.raises(InvalidArgument):
            parse_address(refused, LOOPBACK, "a")


@pytest.fixture
async def engines() -> AsyncIterator[tuple[SfuEngine, SfuEngine, Listener]]:
    edge_listener = Listener()
    origin, edge = SfuEngine(Listener(), OPTIONS), SfuEngine(edge_listener, OPTIONS)
    yield origin, edge, edge_listener
    await origin.close()
    await edge.close()


async def test_serving_and_opening_again_keeps_each_tracks_relay_ssrcs_and_the_viewers_offer(
    engines: tuple[SfuEngine, SfuEngine, Listener],
) -> None:
    origin, edge, edge_listener = engines
    presenter = PublishingClient.new()
    viewer = SubscribingClient.new()
    try:
        await origin.open_session("call", "presenter", "teacher", True)
        await publish(origin, "call", "presenter", presenter)

        async def served() -> RelayTracks | None:
            relay = await origin.serve_relay("call", edge.relay_address())
            return relay if len(relay.tracks) == 2 else None

        first = await until(served, what="both tracks negotiated and relayable")
        assert first.origin_address == origin.relay_address()
        assert {(t.kind, t.source, t.session_id, t.user_id) for t in first.tracks} == {
            ("audio", Source.MICROPHONE, "presenter", "teacher"),
            ("video", Source.CAMERA, "presenter", "teacher"),
        }
        assert await edge.open_relay("call", first) == edge.relay_address()
        await edge.open_session("call", "viewer", "pupil", False)
        await subscribe(edge, "call", "viewer", viewer)
        offers = len(edge_listener.offers)

        again = await origin.serve_relay("call", edge.relay_address())
        assert again == first
        await edge.open_relay("call", again)
        assert len(edge_listener.offers) == offers  # nothing changed for the viewer: no re-offer
        # The relayed presenter is not a participant of the edge (not in WatchSessions' snapshot).
        assert [session for _, session, _, _ in edge.sessions()] == ["viewer"]

        await edge.open_relay("call", RelayTracks(origin_address=first.origin_address, tracks=()))
        await until(lambda: len(edge_listener.offers) > offers, what="the viewer re-offered without them")
        assert not edge_listener.offers[-1][1].tracks
        await edge.open_relay("call", first)
        await edge.close_call("call")
        # The edge tells the control plane of its own participants only: the presenter did not leave.
        assert {session for session, _ in edge_listener.states} == {"viewer"}
    finally:
        await presenter.pc.close()
        await viewer.pc.close()


async def test_relaying_needs_the_call_on_the_origin_and_addresses_inside_the_networks(
    engines: tuple[SfuEngine, SfuEngine, Listener],
) -> None:
    origin, edge, _ = engines
    with pytest.raises(NotFound):
        await origin.serve_relay("no-such-call", edge.relay_address())
    await origin.open_session("call", "presenter", "teacher", True)
    with pytest.raises(InvalidArgument):
        await origin.serve_relay("call", "192.168.1.10:40000")
    with pytest.raises(InvalidArgument):
        await edge.open_relay("call", RelayTracks(origin_address="8.8.8.8:40000", tracks=()))
