"""The transactional outbox and the idempotent consumer against a real NATS that goes away:
an event written while NATS is down is delivered once NATS is back, exactly once. And the
consumer's batches: the events of one fetch share a transaction, without one failing event
costing the others, and without a redelivery counting anything twice."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
import pytest_asyncio
from nats.js import JetStreamContext
from prometheus_client import REGISTRY
from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from parta.events.v1 import envelope_pb2
from parta.events.v1 import identity_pb2 as events
from services.common.broker import connect_nats, ensure_streams
from services.common.db import Database
from services.common.events import make_envelope, subject_for
from services.common.inbox import (
    AfterCommit,
    EventConsumer,
    Subscription,
    create_processed_events_table,
    processed_events,
)
from services.common.outbox import OutboxRelay, create_outbox_table, outbox, stage_event
from services.devstack.embedded import EmbeddedNats, free_port
from tests.support.platform import Infra
from tests.support.waiting import until


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
        await until(lambda: handled == ["u-1"], within=20)

        async def marked_sent() -> bool:
            # The relay marks the row after JetStream acknowledged it: the consumer may be faster.
            async with db.transaction("check_sent") as conn:
                sent = await conn.scalar(
                    select(outbox.c.sent_at).where(outbox.c.event_id == uuid.UUID(event_id))
                )
            return sent is not None

        await until(marked_sent, within=10, what="the row marked sent")

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
        await until(lambda: "u-2" in handled, within=15)
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


@dataclass
class Stream:
    """A publisher of its own on the session's NATS, so no other test's events reach these consumers."""

    js: JetStreamContext
    publisher: str

    @property
    def event_type(self) -> str:
        return f"{self.publisher}.profile.updated"

    def envelope(self, user_id: str) -> envelope_pb2.EventEnvelope:
        return make_envelope(self.event_type, events.ProfileUpdated(user_id=user_id))

    async def publish(self, *envelopes: envelope_pb2.EventEnvelope) -> None:
        for envelope in envelopes:
            await self.js.publish(subject_for(envelope.type), envelope.SerializeToString())

    async def unacknowledged(self, durable: str) -> int:
        info = await self.js.consumer_info(f"PARTA_{self.publisher.upper()}", durable)
        return (info.num_pending or 0) + (info.num_ack_pending or 0)


@pytest_asyncio.fixture
async def stream(infra: Infra) -> AsyncIterator[Stream]:
    nc = await connect_nats(infra.nats.url, name="inbox-batch-test")
    js = nc.jetstream()
    publisher = f"batch{uuid.uuid4().hex[:8]}"
    await ensure_streams(js, [publisher])
    try:
        yield Stream(js, publisher)
    finally:
        await js.delete_stream(f"PARTA_{publisher.upper()}")
        await nc.close()


def consumed(durable: str, outcome: str) -> float:
    labels = {"service": "test", "consumer": durable, "outcome": outcome}
    return REGISTRY.get_sample_value("parta_events_consumed_total", labels) or 0.0


def user_of(envelope: envelope_pb2.EventEnvelope) -> str:
    payload = events.ProfileUpdated()
    envelope.payload.Unpack(payload)
    return payload.user_id


async def test_a_batch_of_events_is_handled_in_one_transaction(db: Database, stream: Stream) -> None:
    subscription = Subscription(durable=f"batch-{uuid.uuid4().hex[:6]}", publisher=stream.publisher)
    transactions: list[int] = []
    handled: list[str] = []
    visible_after_commit: list[int] = []

    @subscription.on(stream.event_type)
    async def on_updated(conn: AsyncConnection, envelope: envelope_pb2.EventEnvelope) -> AfterCommit:
        transactions.append(await conn.scalar(text("SELECT txid_current()")))
        user = user_of(envelope)

        async def after_commit() -> None:
            handled.append(user)
            async with db.read("count_processed") as reader:
                count = await reader.scalar(
                    select(func.count())
                    .select_from(processed_events)
                    .where(processed_events.c.consumer == subscription.durable)
                )
            visible_after_commit.append(count or 0)

        return after_commit

    # Published before the consumer starts, so that its first fetch brings them all.
    users = [f"u-{i}" for i in range(5)]
    await stream.publish(*(stream.envelope(user) for user in users))
    consumer = EventConsumer(db, stream.js, subscription, service="test")
    await consumer.start()
    try:
        await until(lambda: consumed(subscription.durable, "handled") == 5, within=15)
    finally:
        await consumer.stop()

    assert handled == users  # the after-commit actions, in the order of the events
    assert len(transactions) == 5
    assert len(set(transactions)) == 1  # one transaction for the whole batch
    # Each after-commit action ran once the whole batch had committed.
    assert visible_after_commit == [5] * 5
    assert consumer.handled == 5
    assert await stream.unacknowledged(subscription.durable) == 0


async def test_a_failing_event_in_a_batch_does_not_lose_the_others(db: Database, stream: Stream) -> None:
    subscription = Subscription(durable=f"batch-{uuid.uuid4().hex[:6]}", publisher=stream.publisher)
    attempts: dict[str, int] = {}
    committed: list[str] = []

    @subscription.on(stream.event_type)
    async def on_updated(conn: AsyncConnection, envelope: envelope_pb2.EventEnvelope) -> AfterCommit:
        user = user_of(envelope)
        attempts[user] = attempts.get(user, 0) + 1
        # u-2 fails in the batch and again alone, so it is nak'ed; its redelivery succeeds.
        if user == "u-2" and attempts[user] <= 2:
            raise RuntimeError("database hiccup")

        async def after_commit() -> None:
            committed.append(user)

        return after_commit

    users = [f"u-{i}" for i in range(4)]
    await stream.publish(*(stream.envelope(user) for user in users))
    consumer = EventConsumer(db, stream.js, subscription, service="test", retry_delay=0.1)
    await consumer.start()
    try:
        await until(lambda: consumed(subscription.durable, "handled") == 4, within=15)
    finally:
        await consumer.stop()

    # The others went through right away, each once; the failing one after its retry.
    assert committed == ["u-0", "u-1", "u-3", "u-2"]
    assert consumed(subscription.durable, "failed") == 1
    assert attempts["u-2"] == 3
    assert consumer.handled == 4
    assert await stream.unacknowledged(subscription.durable) == 0


async def test_a_poison_event_in_a_batch_is_terminated_and_the_others_handled(
    db: Database, stream: Stream
) -> None:
    subscription = Subscription(durable=f"batch-{uuid.uuid4().hex[:6]}", publisher=stream.publisher)
    committed: list[str] = []

    @subscription.on(stream.event_type)
    async def on_updated(conn: AsyncConnection, envelope: envelope_pb2.EventEnvelope) -> AfterCommit:
        user = user_of(envelope)
        if user == "poison":
            raise ValueError("cannot be handled")

        async def after_commit() -> None:
            committed.append(user)

        return after_commit

    await stream.publish(*(stream.envelope(user) for user in ["u-0", "poison", "u-1"]))
    consumer = EventConsumer(db, stream.js, subscription, service="test", max_deliver=2, retry_delay=0.1)
    await consumer.start()
    try:
        await until(lambda: consumed(subscription.durable, "failed") == 2, within=15)
        await until(lambda: consumed(subscription.durable, "handled") == 2, within=15)
    finally:
        await consumer.stop()

    assert committed == ["u-0", "u-1"]
    assert consumer.handled == 2
    assert await stream.unacknowledged(subscription.durable) == 0  # terminated, not left pending


async def test_a_redelivered_batch_counts_nothing_twice(db: Database, stream: Stream) -> None:
    subscription = Subscription(durable=f"batch-{uuid.uuid4().hex[:6]}", publisher=stream.publisher)
    calls: list[tuple[str, int]] = []

    @subscription.on(stream.event_type)
    async def on_updated(conn: AsyncConnection, envelope: envelope_pb2.EventEnvelope) -> None:
        calls.append((user_of(envelope), await conn.scalar(text("SELECT txid_current()"))))

    consumer = EventConsumer(db, stream.js, subscription, service="test")
    # An instance processed `d` and then crashed before acknowledging it: JetStream delivers it again.
    d = stream.envelope("d")
    assert await consumer.process(d, uuid.UUID(d.event_id)) == "handled"
    a, b, c = stream.envelope("a"), stream.envelope("b"), stream.envelope("c")
    # ...in the same batch as new events, one of them published twice.
    await stream.publish(d, a, b, a, c)
    await consumer.start()
    try:
        await until(lambda: consumed(subscription.durable, "handled") == 3, within=15)
        await until(lambda: consumed(subscription.durable, "duplicate") == 2, within=15)
    finally:
        await consumer.stop()

    assert [user for user, _ in calls] == ["d", "a", "b", "c"]
    assert len({txid for user, txid in calls if user != "d"}) == 1  # a, b and c in one batch
    assert consumer.handled == 3
    assert await stream.unacknowledged(subscription.durable) == 0
    async with db.read("count_processed") as conn:
        rows = await conn.scalar(
            select(func.count())
            .select_from(processed_events)
            .where(processed_events.c.consumer == subscription.durable)
        )
    assert rows == 4
