"""Helpers for tests of people's paths: a school with classes, people who join it by a join request
approved by the administrator (R-INV-3), parent links, and a NATS listener for directory events."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

from google.protobuf.message import Message
from nats.aio.client import Client as NATS

from parta.events.v1 import envelope_pb2
from services.directory.membership.store import MembershipStore
from tests.conftest import Platform, bearer
from tests.directory.helpers import School, add_operator, approved_school

_people = itertools.count(1)


@dataclass
class ClassSchool:
    """An approved school, its administrator, and classes by name ("5А" → id)."""

    platform: Platform
    school: School
    classes: dict[str, str] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.school.id

    @property
    def admin(self) -> dict[str, str]:
        return bearer(self.school.admin)

    async def join_code(self) -> str:
        response = await self.platform.http.get("/api/v1/orgs", headers=self.admin)
        codes = {o["id"]: o["join_code"] for o in response.json()["organisations"]}
        return str(codes[self.id])

    async def add_class(self, name: str, academic_year: str = "2026/2027") -> str:
        response = await self.platform.http.post(
            f"/api/v1/orgs/{self.id}/classes",
            headers=self.admin,
            json={"name": name, "academic_year": academic_year},
        )
        assert response.status_code == 201, response.text
        self.classes[name] = str(response.json()["id"])
        return self.classes[name]

    async def request_to_join(
        self, tokens: dict[str, Any], role: str, class_name: str = "", message: str = ""
    ) -> Any:
        body = {
            "join_code": await self.join_code(),
            "role": role,
            "class_id": self.classes[class_name] if class_name else "",
            "message": message,
        }
        return await self.platform.http.post("/api/v1/join-requests", headers=bearer(tokens), json=body)

    async def member(self, role: str, class_name: str = "", who: str = "") -> dict[str, Any]:
        """Someone new signs in, asks to join with `role` and the administrator approves (R-INV-3)."""
        tokens = await self.platform.sign_in(
            f"{who or role}{next(_people)}-{uuid.uuid4().hex[:6]}@people.example"
        )
        requested = await self.request_to_join(tokens, role, class_name)
        assert requested.status_code == 201, requested.text
        approved = await self.platform.http.post(
            f"/api/v1/orgs/{self.id}/join-requests/{requested.json()['id']}:approve", headers=self.admin
        )
        assert approved.status_code == 200, approved.text
        return tokens

    async def link_parent(self, parent: dict[str, Any], child: dict[str, Any]) -> None:
        async with self.platform.directory.runtime.db.transaction("test_link_parent") as conn:
            await MembershipStore().link_parent(
                conn, uuid.UUID(self.id), uuid.UUID(parent["user_id"]), uuid.UUID(child["user_id"])
            )

    async def roles_of(self, tokens: dict[str, Any]) -> list[str]:
        """The person's roles here as they see them (404 → none)."""
        response = await self.platform.http.get(f"/api/v1/orgs/{self.id}", headers=bearer(tokens))
        return list(response.json()["my_roles"]) if response.status_code == 200 else []


async def operator_tokens(platform: Platform, phone: str) -> dict[str, Any]:
    await add_operator(platform, phone)
    return await platform.sign_in(phone)


async def class_school(
    platform: Platform, operator: dict[str, Any], seed: int, admin_phone: str, classes: list[str]
) -> ClassSchool:
    school = ClassSchool(platform, await approved_school(platform, operator, seed, admin_phone))
    for name in classes:
        await school.add_class(name)
    return school


class Events:
    """Directory events seen on NATS since the listener started, by type."""

    def __init__(self) -> None:
        self.envelopes: list[envelope_pb2.EventEnvelope] = []
        self._arrived = asyncio.Event()

    def add(self, envelope: envelope_pb2.EventEnvelope) -> None:
        self.envelopes.append(envelope)
        self._arrived.set()

    async def first(self, event_type: str, payload: Message, *, user_id: str, within: float = 5.0) -> Any:
        """The first `event_type` event about `user_id`, unpacked into `payload`."""
        deadline = asyncio.get_running_loop().time() + within
        while True:
            for envelope in self.envelopes:
                if envelope.type == event_type:
                    envelope.payload.Unpack(payload)
                    if getattr(payload, "user_id", None) == user_id:
                        return payload
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise AssertionError(f"no {event_type} for {user_id}: {[e.type for e in self.envelopes]}")
            self._arrived.clear()
            with suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), timeout=remaining)


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
