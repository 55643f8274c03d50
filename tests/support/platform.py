"""The running platform for tests: the shared NATS and PostgreSQL (`Infra`), the outside world
(a real SMTP server and a fake SMS provider, each delivering into an `Inbox`), Parta's services
started for real on free ports, and `Platform`: all of them behind a real gateway over HTTP. The
fixtures that start these once per session or module live in `tests/conftest.py`."""

from __future__ import annotations

import asyncio
import email.policy
import re
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx
import uvicorn
from aiosmtpd.controller import Controller
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from services.common.runtime import App
from services.devstack.embedded import EmbeddedNats, EmbeddedPostgres, free_port
from services.directory.config import DirectorySettings
from services.directory.main import DirectoryApp
from services.gateway.config import GatewaySettings
from services.gateway.main import GatewayApp
from services.identity.config import IdentitySettings
from services.identity.main import IdentityApp
from services.media.config import MediaSettings
from services.media.main import MediaApp
from services.media.sfu.config import SfuSettings
from services.media.sfu.main import SfuApp
from services.messaging.config import MessagingSettings
from services.messaging.main import MessagingApp
from tests.support.waiting import until

AppT = TypeVar("AppT", bound=App)
CODE_PATTERN = re.compile(r"\b(\d{6})\b")


@dataclass
class Infra:
    root: Path
    postgres: EmbeddedPostgres
    nats: EmbeddedNats


# --- the outside world: an SMTP server and an SMS provider ----------------------------------------
@dataclass
class Inbox:
    """Messages a fake outside party received, with a way to wait for the next one."""

    messages: list[dict[str, str]] = field(default_factory=list)

    def add(self, to: str, text: str, html: str = "") -> None:
        self.messages.append({"to": to, "text": text, "html": html})

    async def code_for(self, to: str, within: float = 5.0) -> str:
        """The newest code sent to `to` (waiting for it to arrive)."""

        def newest() -> str | None:
            for message in reversed(self.messages):
                if message["to"] == to and (match := CODE_PATTERN.search(message["text"])):
                    return match.group(1)
            return None

        try:
            return await until(newest, within=within, what=f"a code reaching {to}", every=0.02)
        except AssertionError:
            raise AssertionError(f"no code reached {to}: {self.messages}") from None

    def clear(self) -> None:
        self.messages.clear()


class _SmtpHandler:
    def __init__(self, inbox: Inbox) -> None:
        self.inbox = inbox

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        # A multipart/alternative mail (messaging's digest) keeps its plain text and its HTML.
        plain = message.get_body(preferencelist=("plain",))
        html = message.get_body(preferencelist=("html",)) if message.is_multipart() else None
        text = plain.get_content() if plain is not None else ""
        for rcpt in envelope.rcpt_tos:
            self.inbox.add(rcpt.lower(), text, html.get_content() if html is not None else "")
        return "250 Message accepted for delivery"


@contextmanager
def smtp_server() -> Iterator[tuple[int, Inbox]]:
    """A real SMTP server (aiosmtpd) on a free port, delivering into an `Inbox`."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(_SmtpHandler(inbox), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, inbox
    finally:
        controller.stop()


@asynccontextmanager
async def sms_provider() -> AsyncIterator[tuple[str, Inbox]]:
    """A local stand-in for an SMS provider's HTTP API (bearer token 'sms-secret'): its URL and inbox."""
    inbox = Inbox()

    async def send(request: Request) -> JSONResponse:
        if request.headers.get("authorization") != "Bearer sms-secret":
            return JSONResponse({"error": "bad token"}, status_code=401)
        body = await request.json()
        inbox.add(body["to"], body["text"])
        return JSONResponse({"status": "queued"})

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            Starlette(routes=[Route("/send", send, methods=["POST"])]), port=port, log_level="error"
        )
    )
    task = asyncio.create_task(server.serve())
    await until(lambda: server.started, what="the fake SMS provider to start")
    try:
        yield f"http://127.0.0.1:{port}/send", inbox
    finally:
        server.should_exit = True
        await task


# --- Parta's own services, started for real -------------------------------------------------------
def identity_settings(database_url: str, nats_url: str, **overrides: Any) -> IdentitySettings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "nats_url": nats_url,
        "grpc_port": 0,
        "metrics_port": 0,
        "dev": True,
        "log_json": True,
        "shutdown_grace_seconds": 2,
    }
    values.update(overrides)
    return IdentitySettings(**values)


@asynccontextmanager
async def running(app: AppT) -> AsyncIterator[AppT]:
    """Start a service as its process would, and stop it at the end of the block."""
    await app.start()
    try:
        yield app
    finally:
        await app.stop()


@asynccontextmanager
async def running_identity(settings: IdentitySettings) -> AsyncIterator[IdentityApp]:
    async with running(IdentityApp(settings)) as app:
        yield app


@asynccontextmanager
async def running_directory(
    database_url: str, nats_url: str, identity_addr: str
) -> AsyncIterator[DirectoryApp]:
    settings = DirectorySettings(
        database_url=database_url,
        nats_url=nats_url,
        identity_addr=identity_addr,
        grpc_port=0,
        metrics_port=0,
        log_json=True,
        shutdown_grace_seconds=2,
    )
    async with running(DirectoryApp(settings)) as app:
        yield app


@asynccontextmanager
async def running_messaging(
    database_url: str, nats_url: str, identity_addr: str, directory_addr: str = "127.0.0.1:9"
) -> AsyncIterator[MessagingApp]:
    settings = MessagingSettings(
        database_url=database_url,
        nats_url=nats_url,
        identity_addr=identity_addr,
        directory_addr=directory_addr,
        grpc_port=0,
        metrics_port=0,
        log_json=True,
        shutdown_grace_seconds=2,
        # Attachments' local storage: a directory of its own for this run, removed afterwards.
        storage_dir=Path(tempfile.mkdtemp(prefix="pt-files-", dir="/tmp")),
    )
    try:
        async with running(MessagingApp(settings)) as app:
            yield app
    finally:
        shutil.rmtree(settings.storage_dir, ignore_errors=True)


@asynccontextmanager
async def running_sfu(nats_url: str, **overrides: Any) -> AsyncIterator[SfuApp]:
    """The SFU process shell with the real engine, offering and reaching only loopback (the issue's
    network safety: no STUN or RTP to this machine's other addresses)."""
    values: dict[str, Any] = {
        "nats_url": nats_url,
        "grpc_port": 0,
        "metrics_port": 0,
        "log_json": True,
        "shutdown_grace_seconds": 2,
        "sfu_host_addresses": "127.0.0.1",
        "sfu_allowed_networks": "127.0.0.0/8",
    }
    values.update(overrides)
    async with running(SfuApp(SfuSettings(**values))) as app:
        yield app


@asynccontextmanager
async def running_media(
    database_url: str, nats_url: str, identity_addr: str, messaging_addr: str, sfu_addr: str, **overrides: Any
) -> AsyncIterator[MediaApp]:
    values: dict[str, Any] = {
        "database_url": database_url,
        "nats_url": nats_url,
        "identity_addr": identity_addr,
        "messaging_addr": messaging_addr,
        "sfu_addr": sfu_addr,
        "grpc_port": 0,
        "metrics_port": 0,
        "log_json": True,
        "shutdown_grace_seconds": 2,
    }
    values.update(overrides)
    async with running(MediaApp(MediaSettings(**values))) as app:
        yield app


@asynccontextmanager
async def running_gateway(
    identity_addr: str, directory_addr: str, messaging_addr: str = "", media_addr: str = "", **overrides: Any
) -> AsyncIterator[GatewayApp]:
    values: dict[str, Any] = {
        "http_port": 0,
        "metrics_port": 0,
        "identity_addr": identity_addr,
        "directory_addr": directory_addr,
        "dev": True,
        "shutdown_grace_seconds": 2,
    }
    if messaging_addr:
        values["messaging_addr"] = messaging_addr
    if media_addr:
        values["media_addr"] = media_addr
    values.update(overrides)
    async with running(GatewayApp(GatewaySettings(**values))) as app:
        yield app


@dataclass
class Platform:
    """Identity (with real SMTP and the fake SMS provider), directory, messaging, media and its SFU
    process behind a real gateway, over real HTTP."""

    identity: IdentityApp
    directory: DirectoryApp
    gateway: GatewayApp
    http: httpx.AsyncClient
    mail: Inbox
    sms: Inbox
    messaging: MessagingApp
    # The calls (R-MEDIA-1): absent in a platform a test builds without them.
    media: MediaApp | None = None
    sfu: SfuApp | None = None

    @property
    def identity_addr(self) -> str:
        assert self.identity.grpc is not None
        return self.identity.grpc.address

    async def sign_in(self, destination: str, **extra: Any) -> dict[str, Any]:
        """Request a code, read it where it was delivered, exchange it for tokens."""
        response = await self.http.post("/api/v1/auth/code", json={"destination": destination, **extra})
        assert response.status_code == 202, response.text
        inbox = self.mail if "@" in destination else self.sms
        key = destination.lower() if "@" in destination else normalise_phone(destination)
        code = await inbox.code_for(key)
        response = await self.http.post(
            "/api/v1/auth/token", json={"destination": destination, "code": code, **extra}
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def sign_in_again(self, destination: str, **extra: Any) -> dict[str, Any]:
        """Sign in once more (a second device): waits out the one-code-a-minute limit by clearing it."""
        from sqlalchemy import delete

        from services.identity.schema import login_codes

        async with self.identity.runtime.db.transaction("test_forget_codes") as conn:
            await conn.execute(delete(login_codes))
        return await self.sign_in(destination, **extra)


def normalise_phone(raw: str) -> str:
    digits = re.sub(r"\D", "", raw)
    if digits.startswith("8") and len(digits) == 11:
        digits = "7" + digits[1:]
    return "+" + digits


@asynccontextmanager
async def running_platform(
    database_url: str, infra: Infra, settings: Any, mail: Inbox, sms: Inbox
) -> AsyncIterator[Platform]:
    """Identity (with `settings`), directory, messaging, the SFU and media, and the gateway, each real
    and on its own database (named after the module's), until the block ends."""
    directory_name = urlsplit(database_url).path.lstrip("/") + "_dir"
    directory_db = infra.postgres.create_database(directory_name)
    messaging_name = urlsplit(database_url).path.lstrip("/") + "_msg"
    messaging_db = infra.postgres.create_database(messaging_name)
    media_name = urlsplit(database_url).path.lstrip("/") + "_media"
    media_db = infra.postgres.create_database(media_name)
    async with running_identity(settings) as identity:
        assert identity.grpc is not None
        async with (
            running_directory(directory_db, infra.nats.url, identity.grpc.address) as directory,
            running_messaging(
                messaging_db, infra.nats.url, identity.grpc.address, directory.grpc.address
            ) as messaging,
        ):
            assert directory.grpc is not None
            assert messaging.grpc is not None
            async with running_sfu(infra.nats.url) as sfu:
                assert sfu.grpc is not None
                async with running_media(
                    media_db,
                    infra.nats.url,
                    identity.grpc.address,
                    messaging.grpc.address,
                    sfu.grpc.address,
                    directory_addr=directory.grpc.address,
                ) as media:
                    assert media.grpc is not None
                    async with (
                        running_gateway(
                            identity.grpc.address,
                            directory.grpc.address,
                            messaging.grpc.address,
                            media.grpc.address,
                            nats_url=infra.nats.url,
                        ) as gateway,
                        httpx.AsyncClient(base_url=f"http://127.0.0.1:{gateway.port}", timeout=10) as http,
                    ):
                        yield Platform(identity, directory, gateway, http, mail, sms, messaging, media, sfu)
    infra.postgres.drop_database(directory_name)
    infra.postgres.drop_database(messaging_name)
    infra.postgres.drop_database(media_name)
