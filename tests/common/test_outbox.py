"""The transactional outbox and the idempotent consumer against a real NATS that goes away:
an event written while NATS is down is delivered once NATS is back, exactly once."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from parta.events.v1 import envelope_pb2
from parta.events.v1 import identity_pb2 as events
from services.common.broker import connect_nats, ensure_streams
from services.common.db import Database
from services.common.events import make_envelope
from services.common.inbox import EventConsumer, Subscription, create_processed_events_table
from services.common.outbox import OutboxRelay, create_outbox_table, outbox, stage_event
from services.devstack.embedded import EmbeddedNats, free_port
from tests.conftest import Infra


async def wait_until(condition: object, within: float = 15.0) -> None:
    assert callable(condition)
    deadline = asyncio.get_running_loop().time() + within
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


@pytest_asyncio.fixture(scope="module")
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url, service="test")
    async with database.transaction("create_tables") as conn:
        await conn.run_sync(create_outbox_table)
        await conn.run_sync(create_processed_events_table)
    yield database
    await database.close()


async def test_event_written_while_nats_is_down_is_delivered_once_it_is_back(
    db: Database, infra: Infra
) -> None:
    nats = EmbeddedNats(infra.root / f"nats-outage-{uuid.uuid4().hex[:6]}", free_port()).start()
    nc = await connect_nats(nats.url, name="outbox-test")
    js = nc.jetstream()
    await ensure_streams(js, ["identity"])
    handled: list[str] = []

    subscription = Subscription(durable="outbox-test", publisher="identity")

    @subscription.on("identity.user.created")
    async def on_user_created(conn: AsyncConnection, envelope: envelope_pb2.EventEnvelope) -> None:
        payload = events.UserCreated()
        envelope.payload.Unpack(payload)
        handled.append(payload.user_id)

    relay = OutboxRelay(db, js, service="test", poll_interval=0.2)
    consumer = EventConsumer(db, js, subscription, service="test", retry_delay=0.2)
    await relay.start()
    await consumer.start()
    try:
        nats.stop()
        async with db.transaction("write_while_down") as conn:
            event_id = await stage_event(conn, "identity.user.created", events.UserCreated(user_id="u-1"))
        await asyncio.sleep(1.5)
        async with db.transaction("check_unsent") as conn:
            assert (
                await conn.scalar(select(outbox.c.sent_at).where(outbox.c.event_id == uuid.UUID(event_id)))
                is None
            )
        assert handled == []

        nats.start()
        await wait_until(lambda: handled == ["u-1"], within=20)
        async with db.transaction("check_sent") as conn:
            assert await conn.scalar(select(outbox.c.sent_at).where(outbox.c.event_id == uuid.UUID(event_id)))

        # A relay that crashed after publishing but before marking the row sends it again:
        # JetStream drops it by its Nats-Msg-Id...
        async with db.transaction("forget_sent") as conn:
            await conn.execute(
                update(outbox).where(outbox.c.event_id == uuid.UUID(event_id)).values(sent_at=None)
            )
        relay.wake()
        # ...and a redelivery past the de-duplication window reaches the consumer, which ignores it.
        replay = make_envelope("identity.user.created", events.UserCreated(user_id="u-1"), event_id=event_id)
        await js.publish("parta.identity.user.created", replay.SerializeToString())
        await js.publish(
            "parta.identity.user.created",
            make_envelope("identity.user.created", events.UserCreated(user_id="u-2")).SerializeToString(),
        )
        await wait_until(lambda: "u-2" in handled)
        assert handled == ["u-1", "u-2"]
    finally:
        await consumer.stop()
        await relay.stop(flush_timeout=1)
        await nc.close()
        nats.stop()


async def test_consumer_runs_a_handler_once_per_event_id(db: Database) -> None:
    calls: list[str] = []
    subscription = Subscription(durable="once", publisher="identity")

    @subscription.on("identity.profile.updated")
    async def on_profile(conn: AsyncConnection, envelope: envelope_pb2.EventEnvelope) -> None:
        calls.append(envelope.event_id)

    consumer = EventConsumer(db, None, subscription, service="test")  # type: ignore[arg-type]
    envelope = make_envelope("identity.profile.updated", events.ProfileUpdated(user_id="u"))
    first = await consumer.process(envelope, uuid.UUID(envelope.event_id))
    second = await consumer.process(envelope, uuid.UUID(envelope.event_id))
    assert (first, second) == ("handled", "duplicate")
    assert calls == [envelope.event_id]


async def test_failing_handler_leaves_no_processed_mark(db: Database) -> None:
    subscription = Subscription(durable="fails-once", publisher="identity")
    attempts: list[int] = []

    @subscription.on("identity.profile.updated")
    async def flaky(conn: AsyncConnection, envelope: envelope_pb2.EventEnvelope) -> None:
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("database hiccup")

    consumer = EventConsumer(db, None, subscription, service="test")  # type: ignore[arg-type]
    envelope = make_envelope("identity.profile.updated", events.ProfileUpdated(user_id="u"))
    with pytest.raises(RuntimeError):
        await consumer.process(envelope, uuid.UUID(envelope.event_id))
    # The retry runs the handler again, because the failed attempt rolled back its mark.
    assert await consumer.process(envelope, uuid.UUID(envelope.event_id)) == "handled"
    assert len(attempts) == 2
