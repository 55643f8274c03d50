"""A real Chromium whose ICE policy is relay only (iceTransportPolicy "relay", as a browser behind a
firewall that lets nothing but TCP to the TURN server out) publishes its fake camera and microphone
through a real coturn to the SFU engine, with the TURN credentials the control plane hands out; an
aiortc subscriber receives them. Everything on 127.0.0.1: the page gathers no host candidate at all,
coturn listens and relays on loopback only."""

from __future__ import annotations

import functools
import http.server
import tempfile
import threading
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, async_playwright

from services.media.calls.ice import ice_servers
from services.media.sfu.engine import EngineOptions, SfuEngine
from services.media.sfu.ports import Role, Source, TrackInfo
from tests.media.sfu.chromium_call import CHROMIUM, FLAGS
from tests.media.sfu.clients import Listener, SubscribingClient, subscribe, wait_connected
from tests.support.coturn import Coturn
from tests.support.waiting import until

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (apt-get install -y chromium)"
)

CALL = "call-from-a-locked-down-school"

PUBLISH = """async (server) => {
  const media = await navigator.mediaDevices.getUserMedia({audio: true, video: {width: 320, height: 240}});
  const pc = new RTCPeerConnection(
    {iceServers: [server], iceTransportPolicy: 'relay', bundlePolicy: 'max-bundle'});
  window.pc = pc;
  for (const track of media.getTracks()) pc.addTransceiver(track, {direction: 'sendonly'});
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise(done => { if (pc.iceGatheringState === 'complete') done(); pc.onicegatheringstatechange =
    () => { if (pc.iceGatheringState === 'complete') done(); }; });
  return {sdp: pc.localDescription.sdp, mids: pc.getTransceivers().map(t => [t.mid, t.sender.track.kind])};
}"""

SELECTED = """async () => {
  const stats = await window.pc.getStats();
  let pair = null;
  stats.forEach(s => {
    if (s.type === 'transport' && s.selectedCandidatePairId) pair = stats.get(s.selectedCandidatePairId);
  });
  if (!pair) return null;
  const local = stats.get(pair.localCandidateId);
  let sent = 0;
  stats.forEach(s => { if (s.type === 'outbound-rtp' && s.kind === 'video') sent = s.packetsSent; });
  return {type: local.candidateType, relayProtocol: local.relayProtocol || '', sent};
}"""


@pytest.fixture
def page_server() -> Iterator[str]:
    """An empty page on http://localhost (a secure context, for getUserMedia)."""
    with tempfile.TemporaryDirectory() as root:
        handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=root)
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            yield f"http://localhost:{server.server_port}/"
        finally:
            server.shutdown()
            server.server_close()


@pytest.fixture
async def page(page_server: str) -> AsyncIterator[Page]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            opened = await browser.new_page()
            await opened.goto(page_server)
            yield opened
        finally:
            await browser.close()


@pytest.fixture
async def engine() -> AsyncIterator[SfuEngine]:
    sfu = SfuEngine(
        Listener(), EngineOptions(host_addresses=("127.0.0.1",), allowed_networks=("127.0.0.0/8",))
    )
    yield sfu
    await sfu.close()


async def test_a_relay_only_chromium_page_publishes_through_coturn(
    coturn: Coturn, engine: SfuEngine, page: Page
) -> None:
    (server,) = ice_servers(
        "user-teacher",
        datetime.now(UTC),
        stun_urls=[],
        turn_urls=[coturn.url("tcp")],
        turn_secret=coturn.secret,
        turn_ttl_seconds=3600,
    )
    await engine.open_session(CALL, "teacher", "user-teacher", may_publish=True)
    await engine.open_session(CALL, "pupil", "user-pupil", may_publish=True)
    offer: dict[str, Any] = await page.evaluate(
        PUBLISH, {"urls": list(server.urls), "username": server.username, "credential": server.credential}
    )
    # The page offers relay candidates only: no address of this machine leaves it.
    candidates = [line for line in offer["sdp"].splitlines() if line.startswith("a=candidate:")]
    assert candidates
    assert all(" typ relay " in line for line in candidates)
    tracks = [
        TrackInfo(mid, kind, Source.MICROPHONE if kind == "audio" else Source.CAMERA)
        for mid, kind in offer["mids"]
    ]
    answer = await engine.negotiate(CALL, "teacher", Role.PUBLISHER, "offer", offer["sdp"], tracks)
    await page.evaluate("async (sdp) => window.pc.setRemoteDescription({type: 'answer', sdp})", answer)

    async def relayed() -> dict[str, Any] | None:
        found: dict[str, Any] | None = await page.evaluate(SELECTED)
        return found if found and found["sent"] > 0 else None

    selected = await until(relayed, within=30, what="the page sending video on its selected pair")
    assert selected["type"] == "relay"
    assert selected["relayProtocol"] == "tcp"

    pupil = SubscribingClient.new()
    try:
        await subscribe(engine, CALL, "pupil", pupil)
        await wait_connected(pupil.pc)
        await until(lambda: len(pupil.of_kind("video")) >= 50, within=30, what="the pupil receiving video")
        await until(lambda: len(pupil.of_kind("audio")) >= 50, within=30, what="the pupil receiving audio")
    finally:
        await pupil.close()
