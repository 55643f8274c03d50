"""identity as an operator runs it: `parta-identity migrate`, and `serve` that stops cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from sqlalchemy import text

from parta.identity.v1 import identity_pb2 as pb
from parta.identity.v1 import identity_pb2_grpc
from services.common.db import Database
from services.devstack.embedded import free_port
from tests.support.platform import Infra
from tests.support.waiting import until


def service_env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARTA_")}
    env.update(values)
    return env


VERSIONS = Path(__file__).resolve().parents[2] / "services" / "identity" / "migrations" / "versions"


def latest_revision() -> str:
    """The newest migration's revision id (files are numbered 0001_…, 0002_…)."""
    return sorted(p.name for p in VERSIONS.glob("[0-9][0-9][0-9][0-9]_*.py"))[-1][:4]


async def test_migrate_command_creates_the_schema(infra: Infra) -> None:
    name = f"t_migrate_{uuid.uuid4().hex[:6]}"
    dsn = infra.postgres.create_database(name)
    result = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "services.identity.main", "migrate"],
        env=service_env(PARTA_DATABASE_URL=dsn),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    db = Database(dsn, service="test")
    async with db.transaction("read_version") as conn:
        assert await conn.scalar(text("SELECT version_num FROM alembic_version")) == latest_revision()
        assert await conn.scalar(text("SELECT count(*) FROM outbox")) == 0
    await db.close()
    infra.postgres.drop_database(name)


async def test_serve_stops_cleanly_on_sigterm(infra: Infra) -> None:
    name = f"t_sigterm_{uuid.uuid4().hex[:6]}"
    dsn = infra.postgres.create_database(name)
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "services.identity.main",
        env=service_env(
            PARTA_DATABASE_URL=dsn,
            PARTA_NATS_URL=infra.nats.url,
            PARTA_GRPC_PORT=str(port),
            PARTA_METRICS_PORT="0",
            PARTA_DEV="1",
            PARTA_LOG_JSON="1",
        ),
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            health = health_pb2_grpc.HealthStub(channel)

            async def serving() -> bool:
                try:
                    reply = await health.Check(health_pb2.HealthCheckRequest(), timeout=1)
                except grpc.aio.AioRpcError:
                    return False
                return bool(reply.status == health_pb2.HealthCheckResponse.SERVING)

            await until(serving, within=30, every=0.1, what="identity becoming SERVING")
            sent = await identity_pb2_grpc.IdentityStub(channel).RequestCode(
                pb.RequestCodeRequest(destination="sigterm@school.example")
            )
            assert sent.sent_to == "s***@school.example"
        process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), timeout=20)
        assert process.stderr is not None
        log = (await process.stderr.read()).decode()
        assert code == 0, log
        assert '"event": "service.stopped"' in log
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        infra.postgres.drop_database(name)
