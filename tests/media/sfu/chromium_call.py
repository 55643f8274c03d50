"""A real Chromium publishing its fake camera and microphone through a real SfuEngine to another
Chromium page; the signalling is page.evaluate ↔ the engine's methods.

Chromium leaves loopback interfaces out of its ICE candidates unless started with
`--allow-loopback-in-peer-connection`; with it, it offers 127.0.0.1 beside this machine's other
addresses, and the engine (gathering on 127.0.0.1, taking candidates only from 127.0.0.0/8) drops
the others, so the call runs on loopback only."""

from __future__ import annotations

import functools
import http.server
import tempfile
import threading
import time
from typing import Any

from playwright.async_api import Page, async_playwright

from services.media.sfu.engine import EngineOptions, SfuEngine
from services.media.sfu.ports import Role, Source, TrackInfo
from tests.media.sfu.clients import Listener
from tests.support.waiting import until

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless=new",
    "--allow-loopback-in-peer-connection",
    "--no-sandbox",
    "--disable-gpu",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

PUBLISH = """async () => {
  const media = await navigator.mediaDevices.getUserMedia({audio: true, video: {width: 320, height: 240}});
  const pc = new RTCPeerConnection({iceServers: []});
  window.pc = pc;
  for (const track of media.getTracks()) pc.addTransceiver(track, {direction: 'sendonly'});
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise(done => { if (pc.iceGatheringState === 'complete') done(); pc.onicegatheringstatechange =
    () => { if (pc.iceGatheringState === 'complete') done(); }; });
  return {sdp: pc.localDescription.sdp, mids: pc.getTransceivers().map(t => [t.mid, t.sender.track.kind])};
}"""

ANSWER = """async (offer) => {
  const pc = window.pc || new RTCPeerConnection({iceServers: []});
  if (!window.pc) {
    window.pc = pc;
    pc.ontrack = event => {
      if (event.track.kind !== 'audio') return;
      const audio = new Audio();
      audio.srcObject = new MediaStream([event.track]);
      audio.play();
    };
  }
  await pc.setRemoteDescription({type: 'offer', sdp: offer});
  await pc.setLocalDescription(await pc.createAnswer());
  await new Promise(done => { if (pc.iceGatheringState === 'complete') done(); pc.onicegatheringstatechange =
    () => { if (pc.iceGatheringState === 'complete') done(); }; });
  return pc.localDescription.sdp;
}"""

STATS = """async () => {
  const found = {};
  (await window.pc.getStats()).forEach(s => {
    if (s.type === 'inbound-rtp') found[s.kind] = {packets: s.packetsReceived,
      frames: s.framesDecoded || 0, samples: s.totalSamplesReceived || 0, lost: s.packetsLost,
      nacks: s.nackCount || 0, plis: s.pliCount || 0};
    if (s.type === 'outbound-rtp') found['out_' + s.kind] = {packets: s.packetsSent, plis: s.pliCount || 0};
  });
  return found;
}"""


async def stats(page: Page) -> dict[str, dict[str, int]]:
    found: dict[str, dict[str, int]] = await page.evaluate(STATS)
    return found


async def call(address: str, cidr: str) -> dict[str, Any]:
    listener = Listener()
    engine = SfuEngine(listener, EngineOptions(host_addresses=(address,), allowed_networks=(cidr,)))
    await engine.open_session("call", "publisher", "user-p", may_publish=True)
    await engine.open_session("call", "subscriber", "user-s", may_publish=True)
    with tempfile.TemporaryDirectory() as root:
        handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=root)
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            async with async_playwright() as playwright:
                browser = await playwright.chromium.launch(
                    executable_path=CHROMIUM, args=FLAGS, headless=True
                )
                try:
                    publisher, subscriber = await browser.new_page(), await browser.new_page()
                    for page in (publisher, subscriber):  # a secure context, for getUserMedia
                        await page.goto(f"http://localhost:{server.server_port}/")
                    offer = await publisher.evaluate(PUBLISH)
                    tracks = [
                        TrackInfo(mid, kind, Source.MICROPHONE if kind == "audio" else Source.CAMERA)
                        for mid, kind in offer["mids"]
                    ]
                    answer = await engine.negotiate(
                        "call", "publisher", Role.PUBLISHER, "offer", offer["sdp"], tracks
                    )
                    await publisher.evaluate(
                        "async (sdp) => window.pc.setRemoteDescription({type: 'answer', sdp})", answer
                    )
                    started = time.monotonic()

                    async def sending() -> bool:
                        return (await stats(publisher)).get("out_video", {}).get("packets", 0) > 0

                    # The subscriber joins a track that is already flowing, so its join must ask the
                    # publisher for a key frame (a join before the first frame needs none).
                    await until(sending, within=30, what="the publisher page sending video")
                    subscription = await engine.subscribe("call", "subscriber")
                    reply = await subscriber.evaluate(ANSWER, subscription.sdp)
                    await engine.negotiate("call", "subscriber", Role.SUBSCRIBER, "answer", reply, [])

                    async def decoding() -> dict[str, dict[str, int]] | None:
                        seen = await stats(subscriber)
                        video, audio = seen.get("video", {}), seen.get("audio", {})
                        return (
                            seen
                            if video.get("frames", 0) >= 40 and audio.get("samples", 0) >= 48000
                            else None
                        )

                    first = await until(decoding, within=30, what="the subscriber page decoding")
                    await until(
                        lambda: _later(subscriber, first), within=10, what="frames and samples still rising"
                    )
                    last = await stats(subscriber)
                    sent = await stats(publisher)
                    return {
                        "first": first,
                        "last": last,
                        "publisher": sent,
                        "tracks": len(subscription.tracks),
                        "seconds": time.monotonic() - started,
                    }
                finally:
                    await browser.close()
        finally:
            server.shutdown()
            server.server_close()
            await engine.close()


async def _later(page: Page, first: dict[str, dict[str, int]]) -> bool:
    now = await stats(page)
    return (
        now["video"]["frames"] >= first["video"]["frames"] + 20
        and now["audio"]["samples"] >= first["audio"]["samples"] + 24000
    )
