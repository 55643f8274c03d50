"""Notifications with every service real: Web Push to a LOCAL PUSH ENDPOINT (a small HTTP server here)
that this test decrypts with the subscriber's own P-256 key and auth secret (RFC 8291) and whose VAPID
JWT it checks against the key the gateway publishes (RFC 8292); the e-mail digest through the tests'
SMTP server; quiet hours per organisation, set by its administrator. Messaging's clock is moved to
night or to the next day instead of waiting."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import http_ece
import httpx
import jwt
import pytest_asyncio
import uvicorn
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import update
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from services.devstack.embedded import free_port
from services.messaging.chats.tables import messages
from services.messaging.config import MessagingSettings
from services.messaging.main import MessagingApp
from services.messaging.notifications.webpush import b64url, b64url_decode
from tests.support.chats import create_chat, join, post, synced, system_channel
from tests.support.http import bearer, ok
from tests.support.platform import (
    Inbox,
    Infra,
    Platform,
    identity_settings,
    running,
    running_directory,
    running_gateway,
    running_identity,
)
from tests.support.schools import ClassSchool, class_school, operator_tokens
from tests.support.waiting import until

Tokens = dict[str, Any]
NIGHT = datetime(2026, 11, 23, 20, 30, tzinfo=UTC)  # 23:30 in Moscow: quiet hours (21:00–08:00)
DAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # 12:00 in Moscow


# --- the local push service ------------------------------------------------------------------------
@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class PushService:
    """A stand-in for a browser vendor's push service: one URL per subscription, a status per URL."""

    port: int
    received: dict[str, list[Received]] = field(default_factory=dict)
    status: dict[str, int] = field(default_factory=dict)

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/push/{name}"


@pytest_asyncio.fixture(scope="module")
async def push_service() -> AsyncIterator[PushService]:
    service = PushService(free_port())

    async def receive(request: Request) -> Response:
        name = request.path_params["name"]
        service.received.setdefault(name, []).append(Received(dict(request.headers), await request.body()))
        return Response(status_code=service.status.get(name, 201))

    server = uvicorn.Server(
        uvicorn.Config(
            Starlette(routes=[Route("/push/{name}", receive, methods=["POST"])]),
            port=service.port,
            log_level="error",
        )
    )
    task = asyncio.create_task(server.serve())
    await until(lambda: server.started, every=0.01, what="the push service to start")  # uvicorn has no event
    yield service
    server.should_exit = True
    await task


@dataclass
class Browser:
    """A browser's push subscription: its own key pair and auth secret, as PushManager makes them."""

    name: str
    endpoint: str
    key: ec.EllipticCurvePrivateKey
    auth: bytes

    @classmethod
    def make(cls, service: PushService, name: str) -> Browser:
        return cls(name, service.url(name), ec.generate_private_key(ec.SECP256R1()), os.urandom(16))

    def subscription(self) -> dict[str, Any]:
        public = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {"endpoint": self.endpoint, "keys": {"p256dh": b64url(public), "auth": b64url(self.auth)}}

    def open(self, push: Received) -> dict[str, Any]:
        """Decrypt as the browser does (RFC 8291 aes128gcm)."""
        assert push.headers["content-encoding"] == "aes128gcm"
        plain = http_ece.decrypt(push.body, private_key=self.key, auth_secret=self.auth, version="aes128gcm")
        return dict(json.loads(plain))


# --- the platform, with messaging set up for the local push service and the SMTP server -----------------
@pytest_asyncio.fixture(scope="module")
async def platform(
    database_url: str,
    infra: Infra,
    smtp_server: tuple[int, Inbox],
    sms_provider: tuple[str, Inbox],
    push_service: PushService,
) -> AsyncIterator[Platform]:
    smtp_port, mail = smtp_server
    sms_url, sms = sms_provider
    base = urlsplit(database_url).path.lstrip("/")
    directory_db = infra.postgres.create_database(base + "_dir")
    messaging_db = infra.postgres.create_database(base + "_msg")
    files = Path(tempfile.mkdtemp(prefix="pt-files-", dir="/tmp"))
    settings = identity_settings(
        database_url,
        infra.nats.url,
        smtp_host="127.0.0.1",
        smtp_port=smtp_port,
        sms_url=sms_url,
        sms_token="sms-secret",
    )
    async with running_identity(settings) as identity:
        assert identity.grpc is not None
        async with running_directory(directory_db, infra.nats.url, identity.grpc.address) as directory:
            assert directory.grpc is not None
            messaging_settings = MessagingSettings(
                database_url=messaging_db,
                nats_url=infra.nats.url,
                identity_addr=identity.grpc.address,
                directory_addr=directory.grpc.address,
                grpc_port=0,
                metrics_port=0,
                log_json=True,
                shutdown_grace_seconds=2,
                storage_dir=files,
                push_hosts=["127.0.0.1"],
                push_allow_http=True,
                vapid_subject="mailto:ops@parta.example",
                smtp_host="127.0.0.1",
                smtp_port=smtp_port,
                digest_every_seconds=0,  # the tests run the digest themselves
                digest_after_hours=6,
                web_url="https://parta.example",
            )
            async with running(MessagingApp(messaging_settings)) as messaging:
                assert messaging.grpc is not None
                async with (
                    running_gateway(
                        identity.grpc.address,
                        directory.grpc.address,
                        messaging.grpc.address,
                        nats_url=infra.nats.url,
                    ) as gateway,
                    httpx.AsyncClient(base_url=f"http://127.0.0.1:{gateway.port}", timeout=10) as http,
                ):
                    yield Platform(identity, directory, gateway, http, mail, sms, messaging)
    infra.postgres.drop_database(base + "_dir")
    infra.postgres.drop_database(base + "_msg")
    shutil.rmtree(files, ignore_errors=True)


@dataclass
class School:
    platform: Platform
    school: ClassSchool
    teacher: Tokens  # class teacher of 5А
    student: Tokens  # of 5А
    parents: list[Tokens]
    other_school_admin: Tokens
    class_chat: dict[str, Any]

    @property
    def id(self) -> str:
        return self.school.id

    @property
    def admin(self) -> Tokens:
        return self.school.school.admin


@pytest_asyncio.fixture(scope="module")
async def world(platform: Platform) -> School:
    operator = await operator_tokens(platform, "+79990000960")
    school = await class_school(platform, operator, 960, "+79120096096", ["5А"])
    other = await class_school(platform, operator, 961, "+79120096097", [])
    teacher = await school.member("teacher", who="classteacher")
    org = f"/api/v1/orgs/{school.id}"
    response = await platform.http.put(
        f"{org}/classes/{school.classes['5А']}/class-teacher",
        headers=school.admin,
        json={"user_id": teacher["user_id"]},
    )
    assert response.status_code == 200, response.text
    student = await school.member("student", "5А")
    parents = [await school.member("parent", "5А", who=f"parent{i}") for i in range(3)]
    five_a = uuid.UUID(school.classes["5А"])
    await synced(platform, school.id, teacher["user_id"], lambda p: five_a in p.class_teacher_of)
    await synced(platform, school.id, student["user_id"], lambda p: p.student_class == five_a)
    for parent in parents:
        await synced(platform, school.id, parent["user_id"], lambda p: p.is_member)
    await synced(platform, other.id, other.school.admin["user_id"], lambda p: p.is_admin)
    chat = await create_chat(platform, school.id, teacher, kind="class", class_id=school.classes["5А"])
    await join(platform, chat, student)
    return School(platform, school, teacher, student, parents, other.school.admin, chat)


async def subscribe(platform: Platform, tokens: Tokens, browser: Browser) -> None:
    ok(
        await platform.http.post(
            "/api/v1/push/subscriptions", headers=bearer(tokens), json=browser.subscription()
        ),
        201,
    )


def pushes_for(service: PushService, browser: Browser) -> list[dict[str, Any]]:
    return [browser.open(push) for push in service.received.get(browser.name, [])]


async def push_arrives(service: PushService, browser: Browser, chat_id: str, seq: int) -> dict[str, Any]:
    async def arrived() -> dict[str, Any] | None:
        return next(
            (p for p in pushes_for(service, browser) if p["chat_id"] == chat_id and p["seq"] == seq), None
        )

    return dict(await until(arrived, what=f"push of message {seq} to {browser.name}"))


async def posted(platform: Platform, chat_id: str, tokens: Tokens, text: str) -> int:
    return int(ok(await post(platform, chat_id, tokens, text), 201)["seq"])


# --- Web Push ------------------------------------------------------------------------------------------
async def test_a_member_gets_a_real_web_push_for_a_new_message_and_the_author_gets_none(
    world: School, push_service: PushService
) -> None:
    platform = world.platform
    messaging: MessagingApp = platform.messaging
    messaging.notifications.clock = lambda: DAY
    student_browser = Browser.make(push_service, "student-phone")
    teacher_browser = Browser.make(push_service, "teacher-laptop")
    await subscribe(platform, world.student, student_browser)
    await subscribe(platform, world.teacher, teacher_browser)
    chat_id = world.class_chat["id"]

    seq = await posted(platform, chat_id, world.teacher, "Завтра контрольная по математике")
    push = await push_arrives(push_service, student_browser, chat_id, seq)
    # The lock screen shows the chat, never the message (a child's phone lies on the desk).
    assert push["title"] == f"«{world.class_chat['title']}»"
    assert push["body"] == "Новое сообщение"
    assert push["url"] == f"/chats/{chat_id}"
    assert "контрольная" not in json.dumps(push, ensure_ascii=False)

    raw = push_service.received[student_browser.name][-1]
    assert int(raw.headers["ttl"]) > 0
    assert raw.headers["urgency"] == "normal"
    # VAPID (RFC 8292): a JWT signed with the key the gateway publishes, for the push service's origin.
    key = ok(await platform.http.get("/api/v1/push/vapid-key", headers=bearer(world.student)))["public_key"]
    scheme, params = raw.headers["authorization"].split(" ", 1)
    parts = dict(item.strip().split("=", 1) for item in params.split(","))
    assert scheme == "vapid"
    assert parts["k"] == key
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(key))
    claims = jwt.decode(
        parts["t"], public, algorithms=["ES256"], audience=f"http://127.0.0.1:{push_service.port}"
    )
    assert claims["sub"] == "mailto:ops@parta.example"

    # The student answers: now the teacher hears of it. Events are handled in order, so by the time
    # this push arrives the teacher's own message has been handled too — and gave the teacher nothing.
    answer = await posted(platform, chat_id, world.student, "Хорошо!")
    await push_arrives(push_service, teacher_browser, chat_id, answer)
    assert [p["seq"] for p in pushes_for(push_service, teacher_browser)] == [answer]
    assert [p["seq"] for p in pushes_for(push_service, student_browser)] == [seq]


async def test_no_push_to_a_student_during_quiet_hours_while_the_teacher_gets_one(
    world: School, push_service: PushService
) -> None:
    platform = world.platform
    platform.messaging.notifications.clock = lambda: NIGHT
    student_browser = Browser.make(push_service, "student-night")
    teacher_browser = Browser.make(push_service, "teacher-night")
    await subscribe(platform, world.student, student_browser)
    await subscribe(platform, world.teacher, teacher_browser)
    chat_id = world.class_chat["id"]
    try:
        late = await posted(platform, chat_id, world.teacher, "Напоминаю про завтрашний урок")
        answer = await posted(platform, chat_id, world.student, "Спасибо")
        await push_arrives(push_service, teacher_browser, chat_id, answer)
        assert pushes_for(push_service, student_browser) == [], "a student is not woken at 23:30"
        assert late < answer
    finally:
        platform.messaging.notifications.clock = lambda: DAY


async def test_an_expired_subscription_is_deleted_on_410_and_a_failing_one_kept(
    world: School, push_service: PushService
) -> None:
    platform = world.platform
    platform.messaging.notifications.clock = lambda: DAY
    gone = Browser.make(push_service, "student-old-browser")
    push_service.status[gone.name] = 410
    flaky = Browser.make(push_service, "student-flaky-browser")
    push_service.status[flaky.name] = 503  # the push service is down for a moment: keep it
    await subscribe(platform, world.student, gone)
    await subscribe(platform, world.student, flaky)
    before = ok(await platform.http.get("/api/v1/me/notifications", headers=bearer(world.student)))
    assert before["push_subscriptions"] >= 1

    seq = await posted(platform, world.class_chat["id"], world.teacher, "Кто забыл тетрадь?")
    await push_arrives(push_service, gone, world.class_chat["id"], seq)  # it was tried...
    await push_arrives(push_service, flaky, world.class_chat["id"], seq)

    async def forgotten() -> bool:
        after = ok(await platform.http.get("/api/v1/me/notifications", headers=bearer(world.student)))
        return bool(after["push_subscriptions"] == before["push_subscriptions"] - 1)

    # ...and forgotten; the 503 one was decided in the same transaction, and stays.
    await until(forgotten, what="the 410 subscription forgotten")
    removed = await platform.http.request(
        "DELETE",
        "/api/v1/push/subscriptions",
        headers=bearer(world.student),
        json={"endpoint": gone.endpoint},
    )
    assert ok(removed) == {"removed": False}
    kept = await platform.http.request(
        "DELETE",
        "/api/v1/push/subscriptions",
        headers=bearer(world.student),
        json={"endpoint": flaky.endpoint},
    )
    assert ok(kept) == {"removed": True}


async def test_a_member_unsubscribes_a_browser(world: School, push_service: PushService) -> None:
    platform = world.platform
    browser = Browser.make(push_service, "parent-tablet")
    await subscribe(platform, world.parents[0], browser)
    assert (
        ok(await platform.http.get("/api/v1/me/notifications", headers=bearer(world.parents[0])))[
            "push_subscriptions"
        ]
        == 1
    )
    # Someone else cannot remove it.
    other = await platform.http.request(
        "DELETE",
        "/api/v1/push/subscriptions",
        headers=bearer(world.parents[1]),
        json={"endpoint": browser.endpoint},
    )
    assert ok(other) == {"removed": False}
    mine = await platform.http.request(
        "DELETE",
        "/api/v1/push/subscriptions",
        headers=bearer(world.parents[0]),
        json={"endpoint": browser.endpoint},
    )
    assert ok(mine) == {"removed": True}


async def test_subscriptions_to_unknown_push_services_are_refused(world: School) -> None:
    platform = world.platform
    browser = Browser.make(PushService(1), "x")
    body = browser.subscription()
    body["endpoint"] = "http://10.0.0.1/internal"
    response = await platform.http.post(
        "/api/v1/push/subscriptions", headers=bearer(world.student), json=body
    )
    assert response.status_code == 400, response.text
    body = browser.subscription()
    body["keys"]["auth"] = "AAAA"
    response = await platform.http.post(
        "/api/v1/push/subscriptions", headers=bearer(world.student), json=body
    )
    assert response.status_code == 400, response.text
    assert (await platform.http.get("/api/v1/push/vapid-key")).status_code == 401


# --- the e-mail digest ----------------------------------------------------------------------------------
async def backdate(platform: Platform, chat_id: str, seq: int, hours: float) -> None:
    """The message was posted `hours` ago (PostgreSQL stamps it; the test moves the stamp)."""
    async with platform.messaging.runtime.db.transaction("test_backdate") as conn:
        await conn.execute(
            update(messages)
            .where(messages.c.chat_id == uuid.UUID(chat_id), messages.c.seq == seq)
            .values(created_at=messages.c.created_at - timedelta(hours=hours))
        )


async def test_digest_goes_once_a_day_to_an_opted_in_parent_with_unread_messages(world: School) -> None:
    platform = world.platform
    notifications = platform.messaging.notifications
    unread_parent, opted_out, has_read = world.parents
    channel = await system_channel(platform, world.id, unread_parent, "school")
    for member in (world.admin, *world.parents):
        await join(platform, channel, member)
    for parent in (unread_parent, has_read):
        settings = ok(
            await platform.http.put("/api/v1/me/notifications", headers=bearer(parent), json={"digest": True})
        )
        assert settings["digest"] is True
        assert settings["email"].endswith("@people.example")
    ok(await platform.http.put("/api/v1/me/notifications", headers=bearer(opted_out), json={"digest": True}))
    off = ok(
        await platform.http.put("/api/v1/me/notifications", headers=bearer(opted_out), json={"digest": False})
    )
    assert (off["digest"], off["email"]) == (False, None)
    address = ok(await platform.http.get("/api/v1/me/notifications", headers=bearer(unread_parent)))["email"]

    async def read_all(tokens: Tokens, seq: int) -> None:
        ok(
            await platform.http.post(
                f"/api/v1/chats/{channel['id']}:read", headers=bearer(tokens), json={"seq": seq}
            )
        )

    def digests() -> list[dict[str, str]]:
        return [m for m in platform.mail.messages if "непрочитанн" in m["text"]]

    platform.mail.clear()
    first = await posted(platform, channel["id"], world.admin, "Родительское собрание в четверг в 18:00")
    await read_all(has_read, first)

    # Right away nothing is due: the message has not waited 6 hours yet.
    notifications.clock = lambda: datetime.now(UTC)
    assert await notifications.send_digests() == 0
    await backdate(platform, channel["id"], first, hours=7)
    sent_at = datetime.now(UTC)
    notifications.clock = lambda: sent_at
    assert await notifications.send_digests() == 1
    [mail] = digests()
    assert mail["to"] == address
    assert "«Общешкольный канал»: 1" in mail["text"]
    assert "собрание" not in mail["text"] + mail["html"]  # counts only, never the messages
    assert "https://parta.example/chats" in mail["text"]
    assert "«Общешкольный канал»: <b>1</b>" in mail["html"]

    # Something new arrives, but a second digest the same day does not go.
    second = await posted(platform, channel["id"], world.admin, "И ещё: принесите сменную обувь")
    await read_all(has_read, second)
    notifications.clock = lambda: sent_at + timedelta(hours=8)
    assert await notifications.send_digests() == 0
    # The next day it does, to the same parent only.
    notifications.clock = lambda: sent_at + timedelta(hours=25)
    assert await notifications.send_digests() == 1
    assert [m["to"] for m in digests()] == [address, address]
    assert "«Общешкольный канал»: 2" in digests()[-1]["text"]
    notifications.clock = lambda: DAY


async def test_digest_needs_an_email_sign_in(world: School) -> None:
    response = await world.platform.http.put(
        "/api/v1/me/notifications", headers=bearer(world.admin), json={"digest": True}
    )
    assert response.status_code == 400, response.text
    assert "войдите по e-mail" in response.json()["error"]["message"]
    settings = ok(await world.platform.http.get("/api/v1/me/notifications", headers=bearer(world.admin)))
    assert settings == {"digest": False, "email": None, "email_available": False, "push_subscriptions": 0}


# --- quiet hours ----------------------------------------------------------------------------------------
async def test_only_the_administrator_sets_quiet_hours(world: School, push_service: PushService) -> None:
    platform = world.platform
    path = f"/api/v1/orgs/{world.id}/quiet-hours"
    hours = ok(await platform.http.get(path, headers=bearer(world.admin)))
    assert hours == {
        "organisation_id": world.id,
        "enabled": True,
        "start": "21:00",
        "end": "08:00",
        "time_zone": "Europe/Moscow",
    }
    body = {"enabled": True, "start": "22:30", "end": "07:00"}
    assert (await platform.http.put(path, headers=bearer(world.teacher), json=body)).status_code == 403
    assert (await platform.http.get(path, headers=bearer(world.student))).status_code == 403
    assert (
        await platform.http.put(path, headers=bearer(world.other_school_admin), json=body)
    ).status_code == 404
    assert (await platform.http.get(path, headers=bearer(world.other_school_admin))).status_code == 404
    bad = await platform.http.put(path, headers=bearer(world.admin), json={**body, "start": "25:00"})
    assert bad.status_code == 400, bad.text
    changed = ok(await platform.http.put(path, headers=bearer(world.admin), json=body))
    assert (changed["start"], changed["end"]) == ("22:30", "07:00")
    assert ok(await platform.http.get(path, headers=bearer(world.admin)))["start"] == "22:30"

    # 23:30 is quiet under 22:30–07:00: off, the student hears of messages at night again.
    ok(await platform.http.put(path, headers=bearer(world.admin), json={**body, "enabled": False}))
    platform.messaging.notifications.clock = lambda: NIGHT
    browser = Browser.make(push_service, "student-quiet-off")
    await subscribe(platform, world.student, browser)
    try:
        seq = await posted(
            platform, world.class_chat["id"], world.teacher, "Поздравляю с победой на олимпиаде!"
        )
        await push_arrives(push_service, browser, world.class_chat["id"], seq)
    finally:
        platform.messaging.notifications.clock = lambda: DAY
        ok(
            await platform.http.put(
                path, headers=bearer(world.admin), json={"enabled": True, "start": "21:00", "end": "08:00"}
            )
        )


async def test_quiet_hours_follow_the_organisations_time_zone(world: School) -> None:
    """The time zone comes from directory's organisation.updated."""
    platform = world.platform
    response = await platform.http.patch(
        f"/api/v1/orgs/{world.id}", headers=bearer(world.admin), json={"time_zone": "Asia/Vladivostok"}
    )
    assert response.status_code == 200, response.text
    path = f"/api/v1/orgs/{world.id}/quiet-hours"

    async def moved() -> bool:
        return bool(
            ok(await platform.http.get(path, headers=bearer(world.admin)))["time_zone"] == "Asia/Vladivostok"
        )

    await until(moved, what="the time zone reaching messaging")
