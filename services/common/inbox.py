"""The idempotent event consumer: a durable JetStream pull consumer whose handlers run at most
once per event, because the processed-event row is written in the handler's own transaction.

Redelivery after a crash (or a duplicate publish) is normal and harmless: the second delivery
finds the row and is only acknowledged. Several instances with the same durable name share
the work. A handler that fails is retried with a delay; after `max_deliver` tries the event
is terminated and logged, so one poison event cannot stop the stream.

The events of one fetched batch share one transaction (one multi-row insert of their
processed-event rows, then their handlers in order, then one commit), which saves the database
round trips of a transaction per event. If anything in it fails the whole batch rolls back and
each of its events is retried in a transaction of its own, so a poison event is isolated as above
and the others of its batch are still handled, each once. An event no handler is registered for is
acknowledged without touching the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from google.protobuf.message import DecodeError
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from sqlalchemy import (
    Column,
    DateTime,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    Uuid,
    bindparam,
    func,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

from parta.events.v1 import envelope_pb2
from services.common.db import Database
from services.common.events import subject_for
from services.common.logging import bind_context, get_logger
from services.common.metrics import EVENT_CONSUME_LAG, EVENTS_CONSUMED

log = get_logger(__name__)

metadata = MetaData()
processed_events = Table(
    "processed_events",
    metadata,
    Column("consumer", Text, nullable=False),
    Column("event_id", Uuid, nullable=False),
    Column("processed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("consumer", "event_id"),
)


# Version 1 of the table, frozen: each service's first migration runs it; a change is a new migration.
PROCESSED_EVENTS_DDL_V1 = """CREATE TABLE processed_events (
    consumer TEXT NOT NULL,
    event_id UUID NOT NULL,
    processed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
)"""


def create_processed_events_table(bind: Connection) -> None:
    bind.execute(text(PROCESSED_EVENTS_DDL_V1))


# What a handler may give back: an action to run once its transaction has committed (e.g. a live
# notification on core NATS that must not go out for a change that was rolled back).
AfterCommit = Callable[[], Awaitable[None]]
Handler = Callable[[AsyncConnection, envelope_pb2.EventEnvelope], Awaitable[AfterCommit | None]]


async def _mark_processed(conn: AsyncConnection, consumer: str, event_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """Insert the processed-event rows of several events in one statement; returns the ids that
    were new (the others had been processed already)."""
    # One statement text whatever the number of ids (unnest of one array parameter), so it is
    # prepared once per connection rather than once per batch size.
    rows = select(
        bindparam("consumer", consumer, type_=Text),
        func.unnest(bindparam("event_ids", event_ids, type_=ARRAY(Uuid))),
    )
    inserted = await conn.scalars(
        insert(processed_events)
        .from_select(["consumer", "event_id"], rows)
        .on_conflict_do_nothing()
        .returning(processed_events.c.event_id)
    )
    return set(inserted)


@dataclass(frozen=True)
class _Delivery:
    """A fetched message whose envelope could be decoded."""

    msg: Msg
    envelope: envelope_pb2.EventEnvelope
    event_id: uuid.UUID


@dataclass
class Subscription:
    """What one durable consumer listens to: a publisher's events, by type."""

    durable: str
    publisher: str
    handlers: dict[str, Handler] = field(default_factory=dict)

    def on(self, event_type: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.handlers[event_type] = handler
            return handler

        return register


class EventConsumer:
    def __init__(
        self,
        db: Database,
        js: JetStreamContext,
        subscription: Subscription,
        *,
        service: str,
        batch: int = 64,
        max_deliver: int = 10,
        retry_delay: float = 1.0,
    ) -> None:
        self._db = db
        self._js = js
        self._subscription = subscription
        self._service = service
        self._batch = batch
        self._max_deliver = max_deliver
        self._retry_delay = retry_delay
        self._stopping = False
        self._handling = False
        # Events this instance ran a handler for; instances sharing the durable split the stream.
        self.handled = 0
        self._task: asyncio.Task[None] | None = None
        self._psub: JetStreamContext.PullSubscription | None = None

    @property
    def durable(self) -> str:
        return self._subscription.durable

    async def start(self) -> None:
        sub = self._subscription
        psub = await self._js.pull_subscribe(
            subject_for(f"{sub.publisher}.>"),
            durable=sub.durable,
            stream=f"PARTA_{sub.publisher.upper()}",
            config=ConsumerConfig(
                ack_policy=AckPolicy.EXPLICIT,
                deliver_policy=DeliverPolicy.ALL,
                max_deliver=self._max_deliver,
                ack_wait=30,
            ),
        )
        self._psub = psub
        self._task = asyncio.create_task(self._run(psub), name=f"{self._service}-consumer-{sub.durable}")

    async def _run(self, psub: JetStreamContext.PullSubscription) -> None:
        while not self._stopping:
            try:
                messages = await psub.fetch(self._batch, timeout=1.0)
            except TimeoutError:
                continue
            except Exception as error:
                if self._stopping:
                    break
                log.warning("consumer.fetch_failed", durable=self._subscription.durable, error=str(error))
                await asyncio.sleep(0.5)
                continue
            self._handling = True
            try:
                await self._handle_batch(messages)
            finally:
                self._handling = False

    async def _handle_batch(self, messages: list[Msg]) -> None:
        """All decodable events of one fetch in one transaction; if it fails, each in its own."""
        deliveries: list[_Delivery] = []
        for msg in messages:
            delivery = await self._decode(msg)
            if delivery is None:
                continue
            if delivery.envelope.type not in self._subscription.handlers:
                # Nothing to run, so nothing to remember: acknowledged without touching the database
                # (a consumer of a publisher's whole stream sees many events it does not handle).
                await self._done(delivery, "ignored")
                continue
            deliveries.append(delivery)
        if len(deliveries) < 2:
            for delivery in deliveries:
                await self._handle_one(delivery)
            return
        try:
            outcomes = await self._process_batch(deliveries)
        except Exception as error:
            # Rolled back as a whole: nothing of it was marked processed, so each event is retried
            # alone and a failing one is nak'ed or terminated without holding up the others.
            log.warning(
                "consumer.batch_failed",
                durable=self._subscription.durable,
                events=len(deliveries),
                error=repr(error),
            )
            for delivery in deliveries:
                await self._handle_one(delivery)
            return
        for delivery, (outcome, after_commit) in zip(deliveries, outcomes, strict=True):
            with bind_context(event_id=delivery.envelope.event_id, event_type=delivery.envelope.type):
                if after_commit is not None:
                    await self._after_commit(after_commit)
                await self._done(delivery, outcome)

    async def _process_batch(self, deliveries: list[_Delivery]) -> list[tuple[str, AfterCommit | None]]:
        """Run the handlers of new events in fetch order in one transaction; for each delivery, its
        outcome ('handled' or 'duplicate') and the action to run after the commit. Every delivery
        here has a handler (`_handle_batch` acknowledges the others)."""
        durable = self._subscription.durable
        results: list[tuple[str, AfterCommit | None]] = []
        async with self._db.transaction(f"consume_{durable}") as conn:
            unique_ids = list(dict.fromkeys(delivery.event_id for delivery in deliveries))
            new = await _mark_processed(conn, durable, unique_ids)
            for delivery in deliveries:
                if delivery.event_id not in new:
                    results.append(("duplicate", None))
                    continue
                new.discard(delivery.event_id)  # the same event again in this batch is a duplicate
                handler = self._subscription.handlers[delivery.envelope.type]  # unhandled: acked before
                with bind_context(event_id=delivery.envelope.event_id, event_type=delivery.envelope.type):
                    results.append(("handled", await handler(conn, delivery.envelope)))
        return results

    async def _decode(self, msg: Msg) -> _Delivery | None:
        """The message's envelope and event id, or None (the message is terminated) if unreadable."""
        try:
            envelope = envelope_pb2.EventEnvelope.FromString(msg.data)
            event_id = uuid.UUID(envelope.event_id)
        except (DecodeError, ValueError):
            durable = self._subscription.durable
            log.error("consumer.undecodable_event", durable=durable, subject=msg.subject)
            EVENTS_CONSUMED.labels(self._service, durable, "undecodable").inc()
            await msg.term()
            return None
        return _Delivery(msg, envelope, event_id)

    async def _handle_one(self, delivery: _Delivery) -> None:
        """One event in a transaction of its own: acked once processed, retried later if it failed."""
        msg, envelope = delivery.msg, delivery.envelope
        durable = self._subscription.durable
        with bind_context(event_id=envelope.event_id, event_type=envelope.type):
            try:
                outcome = await self.process(envelope, delivery.event_id)
            except Exception:
                deliveries = msg.metadata.num_delivered
                log.exception("consumer.handler_failed", durable=durable, delivery=deliveries)
                EVENTS_CONSUMED.labels(self._service, durable, "failed").inc()
                if deliveries >= self._max_deliver:
                    await msg.term()
                else:
                    await msg.nak(delay=self._retry_delay * deliveries)
                return
            await self._done(delivery, outcome)

    async def _done(self, delivery: _Delivery, outcome: str) -> None:
        """Count a processed event and acknowledge it."""
        durable = self._subscription.durable
        EVENTS_CONSUMED.labels(self._service, durable, outcome).inc()
        if outcome == "handled":
            self.handled += 1
        lag = time.time() - delivery.envelope.occurred_at.ToNanoseconds() / 1e9
        EVENT_CONSUME_LAG.labels(self._service, durable).observe(max(0.0, lag))
        await delivery.msg.ack()

    async def _after_commit(self, action: AfterCommit) -> None:
        try:
            await action()
        except Exception:
            log.exception("consumer.after_commit_failed", durable=self._subscription.durable)

    async def process(self, envelope: envelope_pb2.EventEnvelope, event_id: uuid.UUID) -> str:
        """Run the handler once per event id; returns 'handled', 'duplicate' or 'ignored'."""
        handler = self._subscription.handlers.get(envelope.type)
        if handler is None:
            return "ignored"
        async with self._db.transaction(f"consume_{self._subscription.durable}") as conn:
            inserted = await conn.scalar(
                insert(processed_events)
                .values(consumer=self._subscription.durable, event_id=event_id)
                .on_conflict_do_nothing()
                .returning(processed_events.c.event_id)
            )
            if inserted is None:
                return "duplicate"
            after_commit = await handler(conn, envelope)
        if after_commit is not None:
            await self._after_commit(after_commit)
        return "handled"

    async def stop(self) -> None:
        """Finish the batch being handled (a fetch in progress is simply abandoned), then unsubscribe."""
        self._stopping = True
        if self._task is not None:
            if not self._handling:
                self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(self._task, timeout=10.0)
        if self._psub is not None:
            with contextlib.suppress(Exception):
                await self._psub.unsubscribe()
