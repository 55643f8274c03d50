"""`parta run`: the whole platform on one machine, supervised.

This module owns the local run: it starts the infrastructure (the embedded PostgreSQL and NATS
under the data directory, or the servers named by PARTA_DATABASE_URL / PARTA_NATS_URL), gives every
service its own database and free ports, starts the backends and then the gateway as child
processes (each in its own process group), relays their output with a name prefix (and to
`<data dir>/logs/<service>.log`), restarts a child that dies with exponential backoff, and on
SIGINT/SIGTERM stops everything it started, leaving no process behind.

The services it runs are the rows of `BACKENDS` (plus `GATEWAY`): adding a service is one line.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import fcntl
import json
import os
import re
import signal
import socket
import sys
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TextIO
from urllib.parse import urlsplit, urlunsplit

import grpc
import httpx
from grpc_health.v1 import health_pb2, health_pb2_grpc

from services.common import eventloop
from services.devstack.embedded import EmbeddedNats, EmbeddedPostgres, free_port


# --- what runs --------------------------------------------------------------------------------
@dataclass(frozen=True)
class ServiceSpec:
    """One Parta service process: its name, its entry module, whether it keeps a database."""

    name: str
    module: str
    database: bool = True

    @property
    def database_name(self) -> str:
        return f"parta_{self.name}"

    @property
    def argv(self) -> list[str]:
        return [sys.executable, "-m", self.module]


# The gRPC backends, started in this order (a backend may call the ones before it). Every process
# learns every backend's address as PARTA_<NAME>_ADDR (media finds the SFU as PARTA_SFU_ADDR).
BACKENDS: tuple[ServiceSpec, ...] = (
    ServiceSpec("identity", "services.identity.main"),
    ServiceSpec("directory", "services.directory.main"),
    ServiceSpec("messaging", "services.messaging.main"),
    # The SFU process (parta-sfu: no database) before media, whose calls it holds; on 127.0.0.1,
    # offering only loopback candidates unless PARTA_SFU_HOST_ADDRESSES says otherwise.
    ServiceSpec("sfu", "services.media.sfu.main", database=False),
    ServiceSpec("media", "services.media.main"),
)
GATEWAY = ServiceSpec("gateway", "services.gateway.main", database=False)

STARTUP_TIMEOUT = 60.0
STOP_TIMEOUT = 15.0
BACKOFF_FIRST = 0.5
BACKOFF_MAX = 10.0
BACKOFF_RESET_AFTER = 30.0
NATS_DEFAULT_PORT = 4222
LOG_TAIL_LINES = 30
RELAY_DRAIN_SECONDS = 2.0
TRUE_WORDS = {"1", "true", "yes", "on", "y", "t"}


@dataclass(frozen=True)
class RunOptions:
    data_dir: Path = Path(".parta")
    http_port: int = 8080
    host: str = "127.0.0.1"

    @property
    def logs_dir(self) -> Path:
        return self.data_dir / "logs"


class StartupError(Exception):
    """Starting failed; `service` names what failed (a service, postgresql or nats)."""

    def __init__(self, service: str, reason: str, tail: Sequence[str] = (), log: Path | None = None) -> None:
        super().__init__(f"{service}: {reason}")
        self.service = service
        self.reason = reason
        self.tail = list(tail)
        self.log = log


def write_out(text: str) -> None:
    """Write to stdout and flush; a closed terminal or pipe must not stop the supervision."""
    with contextlib.suppress(OSError, ValueError):
        sys.stdout.write(text)
        sys.stdout.flush()


def say(line: str) -> None:
    """One line of the supervisor's own."""
    write_out(line + "\n")


def is_true(value: str) -> bool:
    return value.strip().lower() in TRUE_WORDS


# --- ports ------------------------------------------------------------------------------------
def port_is_free(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def preferred_port(host: str, port: int) -> int:
    """`port` if nothing holds it, else any free port."""
    return port if port_is_free(host, port) else free_port(host)


def local_address(host: str) -> str:
    """Where to connect to reach a server listening on `host` (a wildcard means this machine)."""
    return "127.0.0.1" if host in ("", "0.0.0.0") else "[::1]" if host == "::" else host


@dataclass(frozen=True)
class Ports:
    grpc: int
    metrics: int


# --- infrastructure: PostgreSQL and NATS ------------------------------------------------------
def service_dsn(server_dsn: str, database: str) -> str:
    """The DSN of `database` on the server `server_dsn` points at (only the path changes)."""
    parts = urlsplit(server_dsn)
    return urlunsplit(parts._replace(path="/" + database))


def asyncpg_dsn(dsn: str) -> str:
    """asyncpg speaks plain postgresql:// (SQLAlchemy's +asyncpg suffix must go)."""
    scheme, rest = dsn.split("://", 1)
    return ("postgresql" if scheme.startswith("postgres") else scheme) + "://" + rest


async def ensure_database(server_dsn: str, database: str) -> str:
    """Create `database` on an external server if it is missing; returns its DSN."""
    import asyncpg

    conn = await asyncpg.connect(asyncpg_dsn(service_dsn(server_dsn, "postgres")), timeout=10)
    try:
        if await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database) is None:
            await conn.execute(f'CREATE DATABASE "{database}"')
    finally:
        await conn.close()
    return service_dsn(server_dsn, database)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def forget_dead_postgres_handles(pg_dir: Path) -> None:
    """pgserver stops PostgreSQL only when the last process holding it lets go; the pids of
    processes that died without letting go (a killed supervisor) would keep it running for ever."""
    handles = pg_dir / ".handle_pids.json"
    if not handles.exists():
        return
    try:
        pids = [int(pid) for pid in json.loads(handles.read_text())]
    except (ValueError, TypeError):
        pids = []
    handles.write_text(json.dumps([pid for pid in pids if pid_alive(pid)]))


@dataclass
class Infrastructure:
    """PostgreSQL and NATS: embedded under the data directory unless the environment names them."""

    data_dir: Path
    environ: dict[str, str]
    postgres: EmbeddedPostgres | None = None
    nats: EmbeddedNats | None = None
    nats_url: str = ""
    dsns: dict[str, str] = field(default_factory=dict)

    async def start(self, services: Iterable[ServiceSpec]) -> None:
        self.nats_url = self._start_nats()
        for spec in services:
            if spec.database:
                self.dsns[spec.name] = await self._create_database(spec.database_name)

    def describe(self) -> list[str]:
        pg = f"embedded, data in {self.data_dir / 'pg'}" if self.postgres else "external (PARTA_DATABASE_URL)"
        nats = f"embedded, store in {self.data_dir / 'nats'}" if self.nats else "external (PARTA_NATS_URL)"
        return [f"PostgreSQL: {pg}", f"NATS: {self.nats_url}, {nats}"]

    def _start_nats(self) -> str:
        if url := self.environ.get("PARTA_NATS_URL"):
            return url
        port = preferred_port("127.0.0.1", NATS_DEFAULT_PORT)
        try:
            self.nats = EmbeddedNats(self.data_dir / "nats", port).start()
        except (OSError, TimeoutError) as error:
            raise StartupError("nats", str(error), log=self.data_dir / "nats" / "nats.log") from error
        return self.nats.url

    async def _create_database(self, name: str) -> str:
        if server := self.environ.get("PARTA_DATABASE_URL"):
            try:
                return await ensure_database(server, name)
            except Exception as error:
                raise StartupError("postgresql", f"cannot create database {name}: {error}") from error
        return self._embedded_postgres().create_database(name)

    def _embedded_postgres(self) -> EmbeddedPostgres:
        if self.postgres is None:
            pg_dir = self.data_dir / "pg"
            forget_dead_postgres_handles(pg_dir)
            try:
                self.postgres = EmbeddedPostgres(pg_dir)
            except Exception as error:
                raise StartupError("postgresql", str(error), log=pg_dir / "log") from error
        return self.postgres

    def stop(self) -> None:
        if self.nats is not None:
            self.nats.stop()
            self.nats = None
        if self.postgres is not None:
            self.postgres.stop()
            self.postgres = None


def directory_database_url(data_dir: Path, environ: dict[str, str]) -> str:
    """The directory's DSN as `parta run` gives it, for one-off commands (`parta operator add`)."""
    infra = Infrastructure(data_dir, environ)
    spec = next(spec for spec in BACKENDS if spec.name == "directory")
    return asyncio.run(infra._create_database(spec.database_name))


# --- one child process ------------------------------------------------------------------------
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class Child:
    """A service process: started in its own process group, its output relayed line by line."""

    def __init__(self, spec: ServiceSpec, env: dict[str, str], log_path: Path, label_width: int) -> None:
        self.spec = spec
        self.env = env
        self.log_path = log_path
        self.prefix = f"{spec.name:<{label_width}} | "
        self.tail: collections.deque[str] = collections.deque(maxlen=LOG_TAIL_LINES)
        self.process: asyncio.subprocess.Process | None = None
        self.started_at = 0.0
        self._relay: asyncio.Task[None] | None = None
        self._starting: asyncio.Future[None] | None = None
        self._log: IO[str] | None = None

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def returncode(self) -> int | None:
        return self.process.returncode if self.process is not None else None

    async def start(self) -> None:
        """Spawn the process; a cancellation cannot lose it half-started (see `settle`)."""
        self._starting = asyncio.ensure_future(self._spawn())
        await asyncio.shield(self._starting)

    async def settle(self) -> None:
        """Let a start that a cancellation interrupted finish, so the process can be stopped."""
        if self._starting is not None:
            await asyncio.gather(self._starting, return_exceptions=True)

    async def _spawn(self) -> None:
        if self._log is None:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            self._log = self.log_path.open("a", encoding="utf-8")
        self.process = await asyncio.create_subprocess_exec(
            *self.spec.argv,
            env=self.env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
            limit=1 << 20,
        )
        self.started_at = time.monotonic()
        assert self.process.stdout is not None
        self._relay = asyncio.create_task(self._relay_output(self.process.stdout), name=f"{self.name}-relay")

    async def _relay_output(self, stream: asyncio.StreamReader) -> None:
        while True:
            try:
                raw = await stream.readline()
            except ValueError:
                self._emit("[a line longer than 1 MiB was dropped]")
                continue
            if not raw:
                return
            self._emit(raw.decode("utf-8", errors="replace").rstrip("\r\n"))

    def _emit(self, line: str) -> None:
        self.tail.append(line)
        write_out(self.prefix + line + "\n")
        if self._log is not None:
            self._log.write(ANSI_ESCAPE.sub("", line) + "\n")
            self._log.flush()

    async def wait(self) -> int:
        assert self.process is not None
        code = await self.process.wait()
        await self.drain_output()
        return code

    async def drain_output(self) -> None:
        """Let the relay print what the process wrote before it ended (a grandchild that keeps
        the pipe open does not hold us up for more than RELAY_DRAIN_SECONDS)."""
        if self._relay is not None:
            with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(asyncio.shield(self._relay), RELAY_DRAIN_SECONDS)

    def signal_group(self, sig: signal.Signals) -> None:
        """Signal the child's whole process group (it leads it: start_new_session)."""
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, sig)

    def close(self) -> None:
        if self._relay is not None and not self._relay.done():
            self._relay.cancel()
        if self._log is not None:
            self._log.close()
            self._log = None

    def startup_error(self, reason: str) -> StartupError:
        return StartupError(self.name, reason, self.tail, self.log_path)

    def check_alive(self) -> None:
        if self.returncode is not None:
            raise self.startup_error(f"exited with code {self.returncode} while starting")


# --- readiness --------------------------------------------------------------------------------
# A probe answers None when the service is ready, else what it saw instead (for the error).
Probe = Callable[[], Awaitable[str | None]]


async def wait_until(child: Child, probe: Probe, what: str) -> None:
    """Poll `probe` until the service is ready; fail if the child dies or STARTUP_TIMEOUT passes."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while True:
        child.check_alive()
        answer = await probe()
        if answer is None:
            return
        child.check_alive()
        if time.monotonic() > deadline:
            raise child.startup_error(f"{what} within {STARTUP_TIMEOUT:.0f} s (last answer: {answer})")
        await asyncio.sleep(0.1)


async def wait_grpc_serving(child: Child, address: str) -> None:
    async with grpc.aio.insecure_channel(address) as channel:
        stub = health_pb2_grpc.HealthStub(channel)

        async def serving() -> str | None:
            try:
                reply = await stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=1.0)
            except grpc.aio.AioRpcError as error:
                return f"{error.code().name} {error.details()}"
            status = health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)
            return None if status == "SERVING" else str(status)

        await wait_until(child, serving, f"gRPC health on {address} did not say SERVING")


async def wait_http_ready(child: Child, url: str) -> None:
    async with httpx.AsyncClient(timeout=2.0) as http:

        async def ready() -> str | None:
            try:
                response = await http.get(url)
            except httpx.HTTPError as error:
                return f"{type(error).__name__} {error}"
            return None if response.status_code == 200 else f"{response.status_code} {response.text[:200]}"

        await wait_until(child, ready, f"GET {url} did not answer 200")


# --- the supervisor ---------------------------------------------------------------------------
def child_environment(base: dict[str, str], ports: Ports, nats_url: str, tty: bool) -> dict[str, str]:
    """What every child gets: the supervisor's environment plus its own PARTA_ settings."""
    env = dict(base)
    env.pop("PARTA_DATABASE_URL", None)
    env.update(
        PARTA_DEV=base.get("PARTA_DEV", "1"),
        PARTA_NATS_URL=nats_url,
        PARTA_GRPC_HOST="127.0.0.1",
        PARTA_GRPC_PORT=str(ports.grpc),
        PARTA_METRICS_PORT=str(ports.metrics),
        PYTHONUNBUFFERED="1",
    )
    if tty:
        env["PARTA_LOG_JSON"] = "0"
    return env


class Supervisor:
    """Starts the infrastructure and the services, keeps them running, stops them all."""

    def __init__(self, options: RunOptions, environ: dict[str, str] | None = None) -> None:
        self.options = options
        self.environ = dict(os.environ if environ is None else environ)
        self.dev = is_true(self.environ.get("PARTA_DEV", "1"))
        self.tty = sys.stdout.isatty()
        self.infra = Infrastructure(options.data_dir, self.environ)
        self.http_port = options.http_port or free_port(options.host)
        self.ports = {spec.name: Ports(free_port(), free_port()) for spec in (*BACKENDS, GATEWAY)}
        self.children: list[Child] = []
        self.stopping = False
        self._watchers: list[asyncio.Task[None]] = []

    @property
    def url(self) -> str:
        return f"http://{self.options.host}:{self.http_port}"

    @property
    def _local_url(self) -> str:
        return f"http://{local_address(self.options.host)}:{self.http_port}"

    async def start(self) -> None:
        if not port_is_free(self.options.host, self.http_port):
            raise StartupError(GATEWAY.name, f"port {self.http_port} on {self.options.host} is taken")
        await self.infra.start(BACKENDS)
        for line in self.infra.describe():
            say(line)
        for spec in BACKENDS:
            await self._start_backend(spec)
        await self._start_gateway()
        self._watchers = [asyncio.create_task(self._watch(child)) for child in self.children]

    def _child(self, spec: ServiceSpec, env: dict[str, str]) -> Child:
        width = max(len(s.name) for s in (*BACKENDS, GATEWAY))
        child = Child(spec, env, self.options.logs_dir / f"{spec.name}.log", width)
        self.children.append(child)
        return child

    def _env(self, spec: ServiceSpec) -> dict[str, str]:
        env = child_environment(self.environ, self.ports[spec.name], self.infra.nats_url, self.tty)
        for backend in BACKENDS:
            if backend is not spec:
                env[f"PARTA_{backend.name.upper()}_ADDR"] = f"127.0.0.1:{self.ports[backend.name].grpc}"
        return env

    async def _start_backend(self, spec: ServiceSpec) -> None:
        ports = self.ports[spec.name]
        env = self._env(spec)
        if spec.database:
            env["PARTA_DATABASE_URL"] = self.infra.dsns[spec.name]
        # Files (messaging's attachments) go to the data directory unless told otherwise.
        env.setdefault("PARTA_STORAGE_DIR", str((self.options.data_dir / "files" / spec.name).resolve()))
        say(f"{spec.name} gRPC on 127.0.0.1:{ports.grpc}, metrics on {ports.metrics}")
        child = self._child(spec, env)
        await child.start()
        await wait_grpc_serving(child, f"127.0.0.1:{ports.grpc}")

    async def _start_gateway(self) -> None:
        env = self._env(GATEWAY)
        env.update(PARTA_HTTP_HOST=self.options.host, PARTA_HTTP_PORT=str(self.http_port))
        metrics = self.ports[GATEWAY.name].metrics
        say(f"gateway HTTP on {self.options.host}:{self.http_port}, metrics on {metrics}")
        child = self._child(GATEWAY, env)
        await child.start()
        await wait_http_ready(child, f"{self._local_url}/readyz")

    def announce(self) -> None:
        say(f"Parta is running at {self.url}")
        if self.dev:
            say(f"Dev mailbox: {self.url}/api/v1/dev/mailbox")
        metrics = ", ".join(f"{name} 127.0.0.1:{ports.metrics}" for name, ports in self.ports.items())
        say(f"Metrics: {metrics}")
        say("Press Ctrl-C to stop.")

    async def _watch(self, child: Child) -> None:
        """Restart the child whenever it exits, backing off while it keeps dying."""
        backoff = BACKOFF_FIRST
        while True:
            code = await child.wait()
            if self.stopping:
                return
            if time.monotonic() - child.started_at >= BACKOFF_RESET_AFTER:
                backoff = BACKOFF_FIRST
            say(f"{child.name} exited with code {code}; restarting in {backoff:g}s")
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, BACKOFF_MAX)
            if self.stopping:
                return
            child.signal_group(signal.SIGKILL)  # whatever it left in its group
            try:
                await child.start()
            except OSError as error:
                say(f"{child.name} could not be restarted: {error}")

    async def stop(self) -> None:
        """Stop the services (front first), then NATS and PostgreSQL."""
        self.stopping = True
        for watcher in self._watchers:
            watcher.cancel()
        await asyncio.gather(*self._watchers, return_exceptions=True)
        for child in self.children:
            await child.settle()
        deadline = time.monotonic() + STOP_TIMEOUT
        gateway = [c for c in self.children if c.spec is GATEWAY]
        backends = [c for c in self.children if c.spec is not GATEWAY]
        for tier in (gateway, backends):
            await terminate(tier, deadline)
        for child in self.children:
            child.close()
        self.infra.stop()


async def terminate(children: Sequence[Child], deadline: float) -> None:
    """SIGTERM each child's process group; SIGKILL what is still there at the deadline."""
    for child in children:
        child.signal_group(signal.SIGTERM)
    running = [c.process.wait() for c in children if c.process is not None and c.returncode is None]
    if running:
        _, pending = await asyncio.wait(
            [asyncio.ensure_future(w) for w in running], timeout=max(0.0, deadline - time.monotonic())
        )
        for task in pending:
            task.cancel()
    for child in children:
        if child.returncode is None:
            say(f"{child.name} did not stop within {STOP_TIMEOUT:.0f} s: killing it")
        child.signal_group(signal.SIGKILL)
        if child.process is not None:
            await child.process.wait()
        await child.drain_output()


# --- the command ------------------------------------------------------------------------------
def report_failure(error: StartupError, out: TextIO) -> None:
    out.write(f"error: {error.service} failed to start: {error.reason}\n")
    if error.tail:
        where = f" (full log: {error.log})" if error.log else ""
        out.write(f"last lines of {error.service}'s output{where}:\n")
        out.writelines(f"    {line}\n" for line in error.tail)
    elif error.log is not None and error.log.exists():
        out.write(f"see {error.log}\n")
    out.flush()


async def serve(options: RunOptions) -> int:
    """Run the platform until SIGINT/SIGTERM/SIGHUP; 0 after a clean stop, 1 if starting failed."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):  # SIGHUP: the terminal closed
        loop.add_signal_handler(sig, stop.set)
    supervisor = Supervisor(options)
    startup = asyncio.create_task(supervisor.start(), name="startup")
    stopped = asyncio.create_task(stop.wait(), name="stop-signal")
    code = 0
    try:
        await asyncio.wait({startup, stopped}, return_when=asyncio.FIRST_COMPLETED)
        if startup.done():
            code = await _after_startup(startup, stopped, supervisor)
        else:
            startup.cancel()
            await asyncio.gather(startup, return_exceptions=True)
    finally:
        stopped.cancel()
        say("Stopping Parta...")
        await supervisor.stop()
        say("Parta stopped." if code == 0 else "Parta did not start.")
    return code


async def _after_startup(startup: asyncio.Task[None], stopped: asyncio.Task[bool], sup: Supervisor) -> int:
    error = startup.exception()
    if isinstance(error, StartupError):
        report_failure(error, sys.stderr)
        return 1
    if error is not None:
        raise error
    sup.announce()
    await stopped
    return 0


@contextlib.contextmanager
def data_dir_lock(data_dir: Path) -> Iterator[bool]:
    """Hold `<data dir>/run.lock` while running: two supervisors must not share one PostgreSQL
    and NATS store. Yields False if another process holds it (the lock dies with its holder)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with (data_dir / "run.lock").open("a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        lock.truncate(0)
        lock.write(f"{os.getpid()}\n")
        lock.flush()
        yield True


def run(options: RunOptions) -> int:
    with data_dir_lock(options.data_dir) as locked:
        if not locked:
            sys.stderr.write(f"error: another `parta run` is using {options.data_dir}\n")
            return 1
        return eventloop.run(serve(options), eventloop.from_environment())
