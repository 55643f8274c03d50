"""`parta run` end to end: the supervisor starts PostgreSQL, NATS, identity and the gateway as real
processes, a newcomer signs in over HTTP, every process exposes its metrics, Ctrl-C stops it all
without leaving a process behind, and a second run on the same data directory still knows the
sessions of the first."""

from __future__ import annotations

import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import grpc
import httpx
import psutil
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from services.devstack.embedded import free_port
from services.devstack.supervisor import service_dsn

REPO = Path(__file__).resolve().parents[2]
CODE = re.compile(r"\b(\d{6})\b")
START_TIMEOUT = 90.0
STOP_TIMEOUT = 30.0
PARTA_RUN = [sys.executable, "-m", "services.cli", "run"]


class PartaRun:
    """`parta run` as a subprocess, its output read by a thread so its pipe never fills up."""

    def __init__(self, data_dir: Path, http_port: int) -> None:
        env = {k: v for k, v in os.environ.items() if k not in ("PARTA_DATABASE_URL", "PARTA_NATS_URL")}
        env["PARTA_DEV"] = "1"
        self.process = subprocess.Popen(
            [*PARTA_RUN, "--data-dir", str(data_dir), "--http-port", str(http_port)],
            cwd=REPO,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
            errors="replace",
        )
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self._seen = 0

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, pattern: str, timeout: float) -> re.Match[str]:
        """The first line (read so far or later) matching `pattern`."""
        regex = re.compile(pattern)
        for line in self.lines:
            if match := regex.search(line):
                return match
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no line matching {pattern!r} within {timeout}s:\n{self.output}")
            try:
                line = self._queue.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                raise AssertionError(f"parta run ended before {pattern!r}:\n{self.output}")
            self.lines.append(line)
            if match := regex.search(line):
                return match

    def _drain(self) -> None:
        self._reader.join(timeout=10)
        while True:
            try:
                line = self._queue.get_nowait()
            except queue.Empty:
                return
            if line is not None:
                self.lines.append(line)

    def interrupt(self) -> int:
        """Ctrl-C: SIGINT to the supervisor only, then its exit code."""
        self.process.send_signal(signal.SIGINT)
        code = self.process.wait(STOP_TIMEOUT)
        self._drain()
        return code

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._drain()
        if self.process.stdout is not None:
            self.process.stdout.close()


@contextmanager
def parta_run(data_dir: Path, http_port: int) -> Iterator[PartaRun]:
    run = PartaRun(data_dir, http_port)
    try:
        yield run
    finally:
        run.close()


def sign_in(http: httpx.Client, destination: str) -> dict[str, Any]:
    """Ask for a code, read it from the dev mailbox, exchange it for tokens."""
    response = http.post("/api/v1/auth/code", json={"destination": destination})
    assert response.status_code == 202, response.text
    response = http.get("/api/v1/dev/mailbox", params={"destination": destination})
    assert response.status_code == 200, response.text
    messages = sorted(response.json()["messages"], key=lambda m: m["sent_at"])
    assert messages, f"the dev mailbox has nothing for {destination}"
    code = CODE.search(messages[-1]["text"])
    assert code is not None, messages[-1]
    response = http.post("/api/v1/auth/token", json={"destination": destination, "code": code.group(1)})
    assert response.status_code == 200, response.text
    tokens: dict[str, Any] = response.json()
    assert tokens["access_token"]
    return tokens


def me(http: httpx.Client, access_token: str) -> dict[str, Any]:
    response = http.get("/api/v1/me", headers={"Authorization": f"Bearer {access_token}"})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def grpc_serving(port: int) -> bool:
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
    return bool(reply.status == health_pb2.HealthCheckResponse.SERVING)


def metrics(port: int) -> str:
    response = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
    assert response.status_code == 200
    return response.text


def family(pid: int) -> set[int]:
    """The supervisor and every process below it (nats-server, the services)."""
    parent = psutil.Process(pid)
    return {pid, *(child.pid for child in parent.children(recursive=True))}


def leftovers(data_dir: Path, pids: set[int]) -> list[str]:
    """Live processes that belong to this run: one of `pids`, or naming the data directory."""
    found = []
    for proc in psutil.process_iter(["pid", "cmdline", "status"]):
        if proc.info["status"] == psutil.STATUS_ZOMBIE:
            continue  # dead; waiting for its parent (or init) to reap it
        cmdline = " ".join(proc.info["cmdline"] or [])
        if proc.info["pid"] in pids or str(data_dir) in cmdline:
            found.append(f"{proc.info['pid']}: {cmdline}")
    return found


def assert_nothing_left(data_dir: Path, pids: set[int]) -> None:
    deadline = time.monotonic() + 5
    while (left := leftovers(data_dir, pids)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not left, f"processes left behind: {left}"


def test_service_dsn_replaces_only_the_database() -> None:
    assert (
        service_dsn("postgresql://u:p@db.example:5432/parta?sslmode=require", "parta_identity")
        == "postgresql://u:p@db.example:5432/parta_identity?sslmode=require"
    )
    assert (
        service_dsn("postgresql://postgres:@/postgres?host=/tmp/x/pg", "parta_identity")
        == "postgresql://postgres:@/parta_identity?host=/tmp/x/pg"
    )


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_parta_run_starts_serves_stops_and_keeps_data() -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="pr-", dir="/tmp"))
    try:
        tokens = first_run(data_dir)
        assert (data_dir / "logs" / "identity.log").stat().st_size > 0
        assert (data_dir / "logs" / "gateway.log").stat().st_size > 0
        assert (data_dir / "pg" / "PG_VERSION").exists()
        assert (data_dir / "nats" / "jetstream").is_dir()
        second_run(data_dir, tokens)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def first_run(data_dir: Path) -> dict[str, Any]:
    http_port = free_port()
    with parta_run(data_dir, http_port) as parta:
        url = parta.wait_for(r"^Parta is running at (\S+)$", START_TIMEOUT).group(1)
        assert url == f"http://127.0.0.1:{http_port}"
        parta.wait_for(rf"^Dev mailbox: {re.escape(url)}/api/v1/dev/mailbox$", 5)
        identity = parta.wait_for(r"^identity gRPC on 127\.0\.0\.1:(\d+), metrics on (\d+)$", 1)
        gateway = parta.wait_for(r"^gateway HTTP on \S+, metrics on (\d+)$", 1)
        # Calls: the SFU process and the media service (issue 13).
        sfu = parta.wait_for(r"^sfu gRPC on 127\.0\.0\.1:(\d+), metrics on (\d+)$", 1)
        media = parta.wait_for(r"^media gRPC on 127\.0\.0\.1:(\d+), metrics on (\d+)$", 1)
        assert sum(line.startswith("Parta is running at") for line in parta.lines) == 1

        with httpx.Client(base_url=url, timeout=10) as http:
            tokens = sign_in(http, "newcomer@school.example")
            assert tokens["account_created"] is True
            assert me(http, tokens["access_token"])["id"] == tokens["user_id"]

        assert grpc_serving(int(identity.group(1)))
        assert grpc_serving(int(sfu.group(1)))
        assert grpc_serving(int(media.group(1)))
        assert "parta_sfu_calls" in metrics(int(sfu.group(2)))
        assert "parta_http_requests_total" in metrics(int(gateway.group(1)))
        assert "parta_grpc_requests_total" in metrics(int(identity.group(2)))

        processes = family(parta.process.pid)
        assert len(processes) >= 4, processes  # supervisor, nats-server, identity, gateway
        assert parta.interrupt() == 0, parta.output
        assert "Parta stopped." in parta.lines, parta.output
    assert_nothing_left(data_dir, processes)
    return tokens


def second_run(data_dir: Path, first: dict[str, Any]) -> None:
    http_port = free_port()
    with parta_run(data_dir, http_port) as parta:
        url = parta.wait_for(r"^Parta is running at (\S+)$", START_TIMEOUT).group(1)
        with httpx.Client(base_url=url, timeout=10) as http:
            other = sign_in(http, "second@school.example")
            assert other["account_created"] is True
            # The first run's session is still in the database: its refresh token works.
            response = http.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
            assert response.status_code == 200, response.text
            refreshed = response.json()
            assert refreshed["user_id"] == first["user_id"]
            assert me(http, refreshed["access_token"])["id"] == first["user_id"]
        processes = family(parta.process.pid)
        assert parta.interrupt() == 0, parta.output
    assert_nothing_left(data_dir, processes)
