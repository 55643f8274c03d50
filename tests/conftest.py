"""The session's fixtures: one real NATS and one real PostgreSQL per test session (the same embedded
ones `make run` starts), a fresh database per test module, a real SMTP server and a fake SMS provider
(the outside world), and the running platform per module. What they start is in `tests.support`."""

from __future__ import annotations

import re
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio

from services.devstack.embedded import EmbeddedNats, EmbeddedPostgres, free_port
from tests.support import platform as support
from tests.support.platform import Inbox, Infra, Platform, identity_settings, running_platform


@pytest.fixture(scope="session")
def infra() -> Iterator[Infra]:
    root = Path(tempfile.mkdtemp(prefix="pt-", dir="/tmp"))
    postgres = EmbeddedPostgres(root / "pg")
    nats = EmbeddedNats(root / "nats", free_port()).start()
    try:
        yield Infra(root, postgres, nats)
    finally:
        nats.stop()
        postgres.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def database_url(infra: Infra, request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh database for each test module."""
    name = (
        "t_"
        + re.sub(r"\W", "_", request.module.__name__.rsplit(".", 1)[-1])[:40]
        + "_"
        + uuid.uuid4().hex[:6]
    )
    dsn = infra.postgres.create_database(name)
    yield dsn
    infra.postgres.drop_database(name)


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[tuple[int, Inbox]]:
    """A real SMTP server (aiosmtpd) on a free port."""
    with support.smtp_server() as server:
        yield server


@pytest_asyncio.fixture(scope="session")
async def sms_provider() -> AsyncIterator[tuple[str, Inbox]]:
    """A local stand-in for an SMS provider's HTTP API (bearer token 'sms-secret')."""
    async with support.sms_provider() as provider:
        yield provider


@pytest_asyncio.fixture(scope="module")
async def platform(
    database_url: str, infra: Infra, smtp_server: tuple[int, Inbox], sms_provider: tuple[str, Inbox]
) -> AsyncIterator[Platform]:
    smtp_port, mail = smtp_server
    sms_url, sms = sms_provider
    settings = identity_settings(
        database_url,
        infra.nats.url,
        smtp_host="127.0.0.1",
        smtp_port=smtp_port,
        sms_url=sms_url,
        sms_token="sms-secret",
    )
    async with running_platform(database_url, infra, settings, mail, sms) as running:
        yield running
