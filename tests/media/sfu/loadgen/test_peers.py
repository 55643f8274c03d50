"""A publisher and a subscriber of the load generator, directly connected on loopback: packets flow
with nothing decoded, only 127.0.0.1 candidates are gathered or accepted (the issue's network-safety
rule), and induced loss on the subscriber's leg is answered by NACK and RTX."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiortc import RTCIceCandidate

from services.media.sfu.adapter import remote_candidate_hosts
from services.media.sfu.loadgen import Clip, Publisher, Subscriber
from tests.support.waiting import until


async def _connect(publisher: Publisher, subscriber: Subscriber) -> None:
    await publisher.accept(await subscriber.answer(await publisher.offer()))


@pytest.fixture
async def pair(clip: Clip) -> AsyncIterator[tuple[Publisher, Subscriber]]:
    publisher, subscriber = Publisher(clip), Subscriber()
    yield publisher, subscriber
    await publisher.close()
    await subscriber.close()


async def test_publisher_reaches_subscriber_on_loopback_without_decoding(
    pair: tuple[Publisher, Subscriber],
) -> None:
    publisher, subscriber = pair
    await _connect(publisher, subscriber)
    await until(lambda: subscriber.stats.frames["video"] >= 20, what="20 video frames received")
    await until(lambda: subscriber.stats.frames["audio"] >= 20, what="20 audio frames received")
    assert subscriber.undecoded()
    assert subscriber.stats.packets > 0
    assert publisher.stats.packets >= subscriber.stats.packets - subscriber.stats.rtx
    assert sorted(subscriber.stats.kinds.values()) == ["audio", "video"]
    stats = await subscriber.pc.getStats()
    inbound = [s for s in stats.values() if s.type == "inbound-rtp"]
    assert inbound
    assert all(s.packetsReceived > 0 for s in inbound)


async def test_peers_gather_and_accept_only_loopback_candidates(pair: tuple[Publisher, Subscriber]) -> None:
    publisher, subscriber = pair
    offer = await publisher.offer()
    answer = await subscriber.answer(offer)
    for sdp in (offer, answer):
        candidates = [line.split()[4] for line in sdp.splitlines() if line.startswith("a=candidate:")]
        assert candidates
        assert set(candidates) == {"127.0.0.1"}
    outside = RTCIceCandidate(
        component=1,
        foundation="x",
        ip="192.0.2.7",
        port=9,
        priority=1,
        protocol="udp",
        type="host",
        sdpMid=subscriber.pc.getTransceivers()[0].mid,
    )
    await subscriber.pc.addIceCandidate(outside)
    assert "192.0.2.7" not in remote_candidate_hosts(subscriber.pc)
    assert set(remote_candidate_hosts(subscriber.pc)) == {"127.0.0.1"}


async def test_a_candidate_outside_loopback_in_an_offer_is_never_taken(clip: Clip) -> None:
    publisher, subscriber = Publisher(clip), Subscriber()
    try:
        offer = await publisher.offer()
        line = next(line for line in offer.splitlines() if line.startswith("a=candidate:"))
        outside = line.replace("127.0.0.1", "192.0.2.7")
        await subscriber.answer(offer.replace(line, line + "\r\n" + outside))
        assert set(remote_candidate_hosts(subscriber.pc)) == {"127.0.0.1"}
    finally:
        await publisher.close()
        await subscriber.close()


async def test_loss_on_the_subscriber_leg_is_nacked_and_retransmitted(clip: Clip) -> None:
    publisher, subscriber = Publisher(clip, audio=False), Subscriber(loss=0.1, seed=7)
    try:
        await _connect(publisher, subscriber)
        await until(lambda: subscriber.stats.rtx >= 3, what="three retransmissions received", within=15)
        assert subscriber.stats.dropped > 0
        assert subscriber.stats.feedback.nack > 0
        assert publisher.stats.rtx > 0
        assert publisher.stats.feedback.nack > 0
    finally:
        await publisher.close()
        await subscriber.close()
