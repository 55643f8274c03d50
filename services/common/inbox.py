"""The idempotent event consumer: a durable JetStream pull consumer whose handlers run at most
once per event, because the processed-event row is written in the handler's own transaction.

Redelivery after a crash (or a duplicate publish) is normal and harmless: the second delivery
finds the row and is only acknowledged. Several instances with the same durable name share
the work. A handler that fails is retried with a delay; after `max_deliver` tries the event
is terminated and logged, so one poison event cannot stop the stream.
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
from sqlalchemy import Column, DateTime, MetaData, PrimaryKeyConstraint, Table, Text, Uuid, func, text
from sqlalchemy.dialects.postgresql import insert
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
                for msg in messages:
                    await self._handle(msg)
            finally:
                self._handling = False

    async def _handle(self, msg: Msg) -> None:
        durable = self._subscription.durable
        try:
            envelope = envelope_pb2.EventEnvelope.FromString(msg.data)
            event_id = uuid.UUID(envelope.event_id)
        except (DecodeError, ValueError):
            log.error("consumer.undecodable_event", durable=durable, subject=msg.subject)
            EVENTS_CONSUMED.labels(self._service, durable, "undecodable").inc()
            await msg.term()
            return
        with bind_context(event_id=envelope.event_id, event_type=envelope.type):
            try:
                outcome = await self.process(envelope, event_id)
            except Exception:
                deliveries = msg.metadata.num_delivered
                log.exception("consumer.handler_failed", durable=durable, delivery=deliveries)
                EVENTS_CONSUMED.labels(self._service, durable, "failed").inc()
                if deliveries >= self._max_deliver:
                    await msg.term()
                else:
                    await msg.nak(delay=self._retry_delay * deliveries)
                return
            EVENTS_CONSUMED.labels(self._service, durable, outcome).inc()
            if outcome == "handled":
                self.handled += 1
            lag = time.time() - envelope.occurred_at.ToNanoseconds() / 1e9
            EVENT_CONSUME_LAG.labels(self._service, durable).observe(max(0.0, lag))
            await msg.ack()

    async def process(self, envelope: envelope_pb2.EventEnvelope, event_id: uuid.UUID) -> str:
        """Run the handler once per event id; returns 'handled', 'duplicate' or 'ignored'."""
        handler = self._subscription.handlers.get(envelope.type)
        async with self._db.transaction(f"consume_{self._subscription.durable}") as conn:
            inserted = await conn.scalar(
                insert(processed_events)
                .values(consumer=self._subscription.durable, event_id=event_id)
                .on_conflict_do_nothing()
                .returning(processed_events.c.event_id)
            )
            if inserted is None:
                return "duplicate"
            if handler is None:
                return "ignored"
            after_commit = await handler(conn, envelope)
        if after_commit is not None:
            try:
                await after_commit()
            except Exception:
                log.exception("consumer.after_commit_failed", durable=self._subscription.durable)
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
