"""A NATS listener for directory events, for the directory tests that watch what it announces."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from google.protobuf.message import Message
from nats.aio.client import Client as NATS

from parta.events.v1 import envelope_pb2
from tests.support.waiting import until


class Events:
    """Directory events seen on NATS since the listener started, by type."""

    def __init__(self) -> None:
        self.envelopes: list[envelope_pb2.EventEnvelope] = []

    def add(self, envelope: envelope_pb2.EventEnvelope) -> None:
        self.envelopes.append(envelope)

    async def first(self, event_type: str, payload: Message, *, user_id: str, within: float = 5.0) -> Any:
        """The first `event_type` event about `user_id`, unpacked into `payload`."""

        def found() -> Message | None:
            for envelope in self.envelopes:
                if envelope.type == event_type:
                    envelope.payload.Unpack(payload)
                    if getattr(payload, "user_id", None) == user_id:
                        return payload
            return None

        try:
            return await until(found, within=within, every=0.01, what=f"{event_type} for {user_id}")
        except AssertionError:
            seen = [e.type for e in self.envelopes]
            raise AssertionError(f"no {event_type} for {user_id}: {seen}") from None


@asynccontextmanager
async def directory_events(nc: NATS) -> AsyncIterator[Events]:
    events = Events()

    async def on_event(msg: Any) -> None:
        events.add(envelope_pb2.EventEnvelope.FromString(msg.data))

    subscription = await nc.subscribe("parta.directory.>", cb=on_event)
    try:
        yield events
    finally:
        await subscription.unsubscribe()
