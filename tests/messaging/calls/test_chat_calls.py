"""A chat shows its call in progress (R-MEDIA-1), kept by messaging from media's events: real NATS
(the events published on JetStream in the common envelope with `Nats-Msg-Id`, as media's outbox
relay does), real PostgreSQL, the chats read through the real gateway, and the chat's live subject
read by a plain NATS client. Events of one call may come late, twice or out of order: an ended call
is never brought back, an older count never overwrites a newer one."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import nats
import pytest_asyncio
from google.protobuf.message import Message
from nats.aio.client import Client as NATS
from sqlalchemy import func, select

from parta.events.v1 import envelope_pb2, media_pb2
from parta.messaging.v1 import messaging_pb2 as pb
from services.common.events import make_envelope
from services.common.inbox import processed_events
from services.common.live import chat_subject
from services.messaging.calls.events import DURABLE
from tests.support.chats import create_chat, enrolled_students, join, school_with_class_teacher
from tests.support.http import bearer, ok
from tests.support.platform import Infra, Platform
from tests.support.waiting import until

Tokens = dict[str, Any]


@dataclass
class World:
    platform: Platform
    infra: Infra
    org: str
    teacher: Tokens
    student: Tokens
    other_admin: dict[str, str]  # headers: another school's administrator
    chat: dict[str, Any]
    nc: NATS

    async def publish(self, event_type: str, payload: Message, at: datetime | None = None) -> str:
        """One media event, as media's outbox relay publishes it; its event id."""
        envelope = make_envelope(event_type, payload, organisation_id=self.org, occurred_at=at)
        await self.send(envelope)
        return envelope.event_id

    async def send(self, envelope: envelope_pb2.EventEnvelope) -> None:
        await self.nc.jetstream().publish(
            "parta." + envelope.type, envelope.SerializeToString(), headers={"Nats-Msg-Id": envelope.event_id}
        )

    async def handled(self, event_id: str) -> bool:
        async with self.platform.messaging.runtime.db.transaction("test_handled") as conn:
            found = await conn.scalar(
                select(func.count()).where(
                    processed_events.c.consumer == DURABLE, processed_events.c.event_id == uuid.UUID(event_id)
                )
            )
        return bool(found)

    async def settled(self, event_id: str) -> None:
        """Wait until messaging handled this event (and so, in one consumer, every earlier one)."""
        await until(lambda: self.handled(event_id), what=f"media event {event_id} handled")

    async def chat_json(self, tokens: Tokens | None = None) -> dict[str, Any]:
        response = await self.platform.http.get(
            f"/api/v1/chats/{self.chat['id']}", headers=bearer(tokens or self.student)
        )
        return dict(ok(response))

    async def listed(self, tokens: Tokens | None = None) -> dict[str, Any]:
        response = await self.platform.http.get("/api/v1/chats", headers=bearer(tokens or self.student))
        return next(c for c in ok(response)["chats"] if c["id"] == self.chat["id"])

    # --- media's events for this world's chat ---------------------------------------------------
    def started(self, call_id: str, at: datetime) -> media_pb2.CallStarted:
        event = media_pb2.CallStarted(
            organisation_id=self.org,
            call_id=call_id,
            chat_id=self.chat["id"],
            started_by=self.teacher["user_id"],
        )
        event.started_at.FromDatetime(at)
        return event

    def participants(self, call_id: str, count: int) -> media_pb2.CallParticipantsChanged:
        return media_pb2.CallParticipantsChanged(
            organisation_id=self.org, call_id=call_id, chat_id=self.chat["id"], participant_count=count
        )

    def ended(self, call_id: str, started: datetime, ended: datetime) -> media_pb2.CallEnded:
        event = media_pb2.CallEnded(
            organisation_id=self.org,
            call_id=call_id,
            chat_id=self.chat["id"],
            duration_seconds=int((ended - started).total_seconds()),
            participant_ids=[self.teacher["user_id"]],
        )
        event.started_at.FromDatetime(started)
        event.ended_at.FromDatetime(ended)
        return event


@pytest_asyncio.fixture(scope="module")
async def world(platform: Platform, infra: Infra) -> AsyncIterator[World]:
    setup = await school_with_class_teacher(platform, 1300, "+79120013000", "+79120013010", ["7В"])
    school = setup.school
    [student] = await enrolled_students(platform, school, "7В", 1)
    chat = await create_chat(platform, school.id, setup.teacher, kind="class", class_id=school.classes["7В"])
    await join(platform, chat, student)
    nc = await nats.connect(infra.nats.url)
    try:
        yield World(platform, infra, school.id, setup.teacher, student, setup.other.admin, chat, nc)
    finally:
        await nc.close()


def iso(moment: datetime) -> str:
    """A UTC moment as the API writes it."""
    return moment.replace(tzinfo=None).isoformat() + "Z"


def moments() -> tuple[datetime, datetime, datetime]:
    now = datetime.now(UTC).replace(microsecond=0)
    return now - timedelta(minutes=3), now - timedelta(minutes=2), now - timedelta(minutes=1)


async def test_r_media_1_a_started_call_shows_in_the_chat_and_in_the_chats_list_until_it_ends(
    world: World,
) -> None:
    call_id = str(uuid.uuid4())
    start, _, end = moments()
    assert "call" not in await world.chat_json()

    await world.publish("media.call.started", world.started(call_id, start))
    await world.settled(await world.publish("media.call.participants", world.participants(call_id, 2)))

    shown = (await world.chat_json())["call"]
    assert shown == {
        "id": call_id,
        "started_at": start.replace(tzinfo=None).isoformat() + "Z",
        "participant_count": 2,
    }
    assert (await world.listed())["call"] == shown
    assert (await world.chat_json(world.teacher))["call"] == shown

    await world.settled(await world.publish("media.call.ended", world.ended(call_id, start, end)))
    assert "call" not in await world.chat_json()
    assert "call" not in await world.listed()


async def test_r_media_3_another_schools_member_learns_nothing_of_the_chat_or_its_call(world: World) -> None:
    call_id = str(uuid.uuid4())
    start, _, end = moments()
    await world.settled(await world.publish("media.call.started", world.started(call_id, start)))
    try:
        response = await world.platform.http.get(
            f"/api/v1/chats/{world.chat['id']}", headers=world.other_admin
        )
        assert response.status_code == 404, response.text
        assert call_id not in response.text
    finally:
        await world.settled(await world.publish("media.call.ended", world.ended(call_id, start, end)))


async def test_an_ended_call_is_not_brought_back_by_late_participants_or_started(
    world: World,
) -> None:
    call_id = str(uuid.uuid4())
    start, middle, end = moments()
    # `ended` overtakes the others: what arrives after it changes nothing.
    await world.publish("media.call.ended", world.ended(call_id, start, end))
    await world.publish("media.call.participants", world.participants(call_id, 3), at=middle)
    await world.settled(await world.publish("media.call.started", world.started(call_id, start)))
    assert "call" not in await world.chat_json()
    assert "call" not in await world.listed()


async def test_an_older_participants_count_does_not_overwrite_a_newer_one(world: World) -> None:
    call_id = str(uuid.uuid4())
    start, middle, end = moments()
    # The count of a moment ago arrives first, then the count of two minutes ago, then `started`.
    await world.publish("media.call.participants", world.participants(call_id, 4), at=end)
    await world.publish("media.call.participants", world.participants(call_id, 1), at=middle)
    await world.settled(await world.publish("media.call.started", world.started(call_id, start)))
    try:
        shown = (await world.chat_json())["call"]
        assert shown["participant_count"] == 4
        # `started` came last and still says when the call began.
        assert shown["started_at"] == iso(start)
    finally:
        await world.settled(
            await world.publish("media.call.ended", world.ended(call_id, start, end + timedelta(seconds=30)))
        )


async def test_r_media_1_every_change_of_the_call_goes_to_the_chats_live_subject(world: World) -> None:
    received: asyncio.Queue[pb.LiveChatEvent] = asyncio.Queue()

    async def on_event(msg: Any) -> None:
        event = pb.LiveChatEvent.FromString(msg.data)
        if event.kind == pb.LIVE_EVENT_KIND_CALL_CHANGED:
            await received.put(event)

    sub = await world.nc.subscribe(chat_subject(world.chat["id"]), cb=on_event)
    await world.nc.flush()
    try:
        call_id = str(uuid.uuid4())
        start, _, end = moments()
        await world.publish("media.call.started", world.started(call_id, start))
        first = await asyncio.wait_for(received.get(), 10)
        assert first.chat_id == world.chat["id"]
        assert (first.call.id, first.call.participant_count) == (call_id, 1)
        assert first.call.started_at.ToDatetime(tzinfo=UTC) == start

        await world.publish("media.call.participants", world.participants(call_id, 3))
        counted = await asyncio.wait_for(received.get(), 10)
        assert (counted.call.id, counted.call.participant_count) == (call_id, 3)

        await world.publish("media.call.ended", world.ended(call_id, start, end))
        over = await asyncio.wait_for(received.get(), 10)
        assert over.chat_id == world.chat["id"]
        assert not over.HasField("call")
    finally:
        await sub.unsubscribe()
