"""The shared NATS helpers against a real server: `settled` tells when the server has a
subscription, and a caller that gives up on it (cancelled, as a closing WebSocket's follow is)
leaves the connection receiving — nats.py's own flush does not (its read loop stops on the late
PONG), which once made a whole module of browser calls miss every live frame."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg

from parta.messaging.v1 import messaging_pb2 as pb
from services.common.broker import connect_nats, settled
from services.common.live import chat_subject
from services.gateway.live.hub import LiveHub
from tests.support.platform import Infra
from tests.support.waiting import until

SERVICES = Path(__file__).resolve().parents[2] / "services"


@pytest_asyncio.fixture
async def nc(infra: Infra) -> AsyncIterator[NATS]:
    client = await connect_nats(infra.nats.url, name="broker-test")
    yield client
    await client.close()


async def received_on(nc: NATS, subject: str) -> list[bytes]:
    got: list[bytes] = []

    async def keep(msg: Msg) -> None:
        got.append(msg.data)

    await nc.subscribe(subject, cb=keep)
    return got


async def test_a_subscription_is_in_place_once_settled_returns(nc: NATS, infra: Infra) -> None:
    got = await received_on(nc, "broker-test.in-place")
    await settled(nc)
    other = await connect_nats(infra.nats.url, name="broker-test-publisher")
    try:
        await other.publish("broker-test.in-place", b"first")
        await until(lambda: got == [b"first"], what="the first message after settled")
    finally:
        await other.close()


async def test_the_connection_keeps_receiving_after_a_cancelled_settle(nc: NATS) -> None:
    got = await received_on(nc, "broker-test.after-cancel")
    for _ in range(3):
        waiting = asyncio.create_task(settled(nc))
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        waiting.cancel()
    await asyncio.sleep(0.2)  # the round trips the cancelled ones started come back meanwhile
    await nc.publish("broker-test.after-cancel", b"still here")
    await until(lambda: got == [b"still here"], what="a message after cancelled settles")


async def test_a_chat_followed_by_a_socket_that_went_away_still_reaches_the_next_one(infra: Infra) -> None:
    """The first socket's follow is cancelled while the hub subscribes; the next socket of the same
    chat gets the chat's events (the subscription was made for everyone, not left half-made)."""
    hub = LiveHub(infra.nats.url, name="broker-test-hub")
    await hub.open()
    publisher = await connect_nats(infra.nats.url, name="broker-test-chat")

    class Socket:
        def __init__(self) -> None:
            self.events: list[pb.LiveChatEvent] = []

        def on_live_event(self, event: pb.LiveChatEvent) -> None:
            self.events.append(event)

    try:
        gone, staying = Socket(), Socket()
        following = asyncio.create_task(hub.subscribe("chat-1", gone))
        await asyncio.sleep(0)
        following.cancel()
        await asyncio.wait_for(hub.subscribe("chat-1", staying), timeout=10)
        await hub.unsubscribe("chat-1", gone)
        event = pb.LiveChatEvent(chat_id="chat-1")
        await publisher.publish(chat_subject("chat-1"), event.SerializeToString())
        await until(lambda: staying.events == [event], what="the chat's event at the staying socket")
    finally:
        await publisher.close()
        await hub.close()


def test_no_service_waits_on_nats_flush() -> None:
    """`settled` instead: a cancelled `flush` stops the connection's reads (see the module doc)."""
    flushing = re.compile(r"\b(nc|_nc|nats|connection)\.flush\(")
    found = [
        f"{path.relative_to(SERVICES)}:{number}"
        for path in SERVICES.rglob("*.py")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if flushing.search(line)
    ]
    assert found == []
