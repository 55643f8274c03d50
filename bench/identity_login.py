"""How many sign-ins per second Parta's identity serves, next to a bare grpc.aio baseline.

A sign-in is what a person does: ask for a one-time code, read it, exchange it for tokens
(RequestCode then VerifyCode). Every sign-in uses a new destination (so it also creates an
account and a session) and a new client address, as many different people would. Three paths
are measured, each at 1, 16 and 64 concurrent clients:

- ``echo``  — the baseline: two bare grpc.aio unary echo calls in sequence (a trivial handler on a
  grpc.aio server on 127.0.0.1, bytes in and out, no interceptor). It is the most any two-round-trip
  exchange could do with Parta's server and client style on this machine.
- ``grpc``  — RequestCode + VerifyCode straight to the identity service over gRPC (as the gateway
  calls it: with the client address in ``x-client-address`` metadata).
- ``http``  — POST /api/v1/auth/code + POST /api/v1/auth/token through the gateway (HTTP/JSON,
  the client address in X-Forwarded-For as behind an Ingress), which calls identity over gRPC.

The real infrastructure is started as the tests start it: embedded PostgreSQL 16 and NATS with
JetStream, then identity and the gateway in this process (together with the echo server). The
codes go to a capturing sender that stands in for the SMS gateway: it forwards each code over a
unix socket to the load generator (the people's phones). The load generator runs in a child
process (this script with ``--load-generator``), the same way for the baseline and for Parta,
so the servers and the clients do not share one interpreter.

How to read it: ``sign-ins/s`` counts sign-ins (for ``echo``: pairs of echo calls) that finished
in the measured window; p50/p99 are the latencies of one whole sign-in. ``x echo`` is the path's
rate divided by the baseline's at the same concurrency: 0.10 means a sign-in costs about ten
times what two bare round trips cost, i.e. Parta's own work (validation, rate-limit queries, two
database transactions and the outbox relay's, about 15 SQL statements in all, token signing, the
event to NATS, and for ``http`` the gateway) takes about 90% of the time.

The CPU columns show where the cores went during the window, in cores: the load generator, this
process (identity, gateway and echo server share one interpreter here, as in the tests; in a
deployment identity and the gateway are separate processes), PostgreSQL, NATS, and ``other`` —
the rest of the machine. A ``servers`` figure near 1.0 means the one Python process is the
limit; ``machine`` near the core count means the machine is; ``other`` well above 0 means
something else was running and the figures of that row are noisy.

Run ``python bench/identity_login.py`` (``--quick`` for a smoke run, ``--seconds``/``--warmup``/
``--levels`` to change the windows). The last line, ``BENCH {...}``, holds every number as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import re
import secrets
import shutil
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import grpc
import httpx

from parta.identity.v1 import identity_pb2 as pb
from parta.identity.v1 import identity_pb2_grpc

if TYPE_CHECKING:
    from services.identity.destinations import Destination

TARGETS = ("echo", "grpc", "http")
TITLES = {
    "echo": "echo (2 bare calls)",
    "grpc": "identity over gRPC",
    "http": "gateway over HTTP",
}
ECHO_METHOD = "/bench.Echo/Echo"
ECHO_PAYLOAD = b"x" * 64
CALL_TIMEOUT = 10.0
CODE_PATTERN = re.compile(r"\b(\d{6})\b")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
SCRIPT = str(Path(__file__).resolve())
CPU_NAMES = ("load_generator", "servers", "postgres", "nats", "machine")

# A sign-in (or an echo pair) of simulated client `client`, its `n`-th one.
Operation = Callable[[int, int], Awaitable[None]]


class BenchError(Exception):
    """A sign-in that did not end with tokens."""


def _same(data: bytes) -> bytes:
    return data


# --- where the CPU went (Linux /proc) --------------------------------------------------------------
@dataclass(frozen=True)
class Pids:
    servers: int
    postgres: int
    nats: int

    def encode(self) -> str:
        return f"{self.servers},{self.postgres},{self.nats}"

    @classmethod
    def decode(cls, text: str) -> Pids:
        servers, postgres, nats = (int(part) for part in text.split(","))
        return cls(servers, postgres, nats)


def _stat_fields(pid: int) -> list[str] | None:
    """/proc/<pid>/stat after the command name: [state, ppid, ..., utime (11), stime (12), ...]."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw[raw.rindex(")") + 2 :].split()


def _process_ticks(pid: int) -> int:
    fields = _stat_fields(pid)
    return int(fields[11]) + int(fields[12]) if fields else 0


def _tree_ticks(root: int) -> int:
    """A process, its live children and the children it has reaped (PostgreSQL's postmaster and
    its backends, including those that ended)."""
    fields = _stat_fields(root)
    if fields is None:
        return 0
    total = sum(int(value) for value in fields[11:15])  # utime, stime, cutime, cstime
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (fields := _stat_fields(int(entry))) and int(fields[1]) == root:
            total += int(fields[11]) + int(fields[12])
    return total


def _machine_busy_ticks() -> int:
    with open("/proc/stat") as stat:
        values = [int(v) for v in stat.readline().split()[1:9]]
    return sum(values) - values[3] - values[4]  # less idle and iowait


def cpu_snapshot(pids: Pids) -> dict[str, int]:
    return {
        "load_generator": _process_ticks(os.getpid()),
        "servers": _process_ticks(pids.servers),
        "postgres": _tree_ticks(pids.postgres),
        "nats": _process_ticks(pids.nats),
        "machine": _machine_busy_ticks(),
    }


# --- the load generator (a child process) ----------------------------------------------------------
@dataclass
class LevelResult:
    clients: int
    rate: float  # sign-ins (echo: pairs of calls) finished per second in the window
    completed: int
    window_seconds: float
    p50_ms: float
    p99_ms: float
    errors: int
    first_error: str = ""
    cpu_cores: dict[str, float] = field(default_factory=dict)


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return 0.0
    return sorted_values[min(len(sorted_values) - 1, max(0, math.ceil(q * len(sorted_values)) - 1))]


class Phone:
    """The people's phones: codes the capturing sender forwards, by destination."""

    def __init__(self) -> None:
        self._codes: dict[str, asyncio.Future[str]] = {}
        self._reader_task: asyncio.Task[None] | None = None
        self._writer: asyncio.StreamWriter | None = None

    def _slot(self, destination: str) -> asyncio.Future[str]:
        slot = self._codes.get(destination)
        if slot is None:
            slot = self._codes[destination] = asyncio.get_running_loop().create_future()
        return slot

    async def connect(self, path: str) -> None:
        reader, self._writer = await asyncio.open_unix_connection(path)
        self._reader_task = asyncio.create_task(self._read(reader))

    async def _read(self, reader: asyncio.StreamReader) -> None:
        async for line in reader:
            destination, code = line.decode().split()
            slot = self._slot(destination)
            if not slot.done():
                slot.set_result(code)

    async def code_for(self, destination: str) -> str:
        try:
            return await asyncio.wait_for(self._slot(destination), CALL_TIMEOUT)
        except TimeoutError:
            raise BenchError(f"no code reached {destination}") from None
        finally:
            self._codes.pop(destination, None)

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        if self._reader_task is not None:
            self._reader_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader_task


class Addresses:
    """A new client address for each sign-in (10.0.0.1, 10.0.0.2, ...): different people."""

    def __init__(self) -> None:
        self._next = 0

    def new(self) -> str:
        self._next += 1
        n = self._next
        return f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"


def _destination(target: str, level: int, client: int, n: int) -> str:
    return f"bench-{target}-{level}-{client}-{n}@school.example"


@asynccontextmanager
async def echo_clients(address: str, level: int, phone: Phone) -> AsyncIterator[Operation]:
    async with grpc.aio.insecure_channel(address) as channel:
        echo = channel.unary_unary(ECHO_METHOD, request_serializer=_same, response_deserializer=_same)

        async def pair(client: int, n: int) -> None:
            for _ in range(2):
                if await echo(ECHO_PAYLOAD, timeout=CALL_TIMEOUT) != ECHO_PAYLOAD:
                    raise BenchError("the echo server answered something else")

        yield pair


@asynccontextmanager
async def grpc_clients(address: str, level: int, phone: Phone) -> AsyncIterator[Operation]:
    addresses = Addresses()
    async with grpc.aio.insecure_channel(address) as channel:
        stub = identity_pb2_grpc.IdentityStub(channel)

        async def sign_in(client: int, n: int) -> None:
            destination = _destination("grpc", level, client, n)
            metadata = (("x-client-address", addresses.new()),)
            await stub.RequestCode(
                pb.RequestCodeRequest(destination=destination), metadata=metadata, timeout=CALL_TIMEOUT
            )
            code = await phone.code_for(destination)
            tokens = await stub.VerifyCode(
                pb.VerifyCodeRequest(destination=destination, code=code, device_name="bench"),
                metadata=metadata,
                timeout=CALL_TIMEOUT,
            )
            if not tokens.access_token:
                raise BenchError("VerifyCode gave no access token")

        yield sign_in


@asynccontextmanager
async def http_clients(base_url: str, level: int, phone: Phone) -> AsyncIterator[Operation]:
    addresses = Addresses()
    limits = httpx.Limits(max_connections=level, max_keepalive_connections=level)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=CALL_TIMEOUT) as http:

        async def sign_in(client: int, n: int) -> None:
            destination = _destination("http", level, client, n)
            headers = {"X-Forwarded-For": addresses.new(), "User-Agent": "bench"}
            response = await http.post(
                "/api/v1/auth/code", json={"destination": destination}, headers=headers
            )
            if response.status_code != 202:
                raise BenchError(f"/auth/code: {response.status_code} {response.text[:200]}")
            code = await phone.code_for(destination)
            response = await http.post(
                "/api/v1/auth/token", json={"destination": destination, "code": code}, headers=headers
            )
            if response.status_code != 200 or not response.json().get("access_token"):
                raise BenchError(f"/auth/token: {response.status_code} {response.text[:200]}")

        yield sign_in


CLIENTS: dict[str, Callable[[str, int, Phone], AbstractAsyncContextManager[Operation]]] = {
    "echo": echo_clients,
    "grpc": grpc_clients,
    "http": http_clients,
}


async def run_level(
    operation: Operation, clients: int, *, warmup: float, seconds: float, pids: Pids
) -> LevelResult:
    """`clients` workers loop the operation; only what finishes inside the window counts."""
    spans: list[tuple[float, float]] = []
    errors: list[str] = []
    stopping = False

    async def worker(client: int) -> None:
        n = 0
        while not stopping:
            n += 1
            started = time.perf_counter()
            try:
                await operation(client, n)
            except Exception as error:
                errors.append(f"{type(error).__name__}: {error}"[:300])
                await asyncio.sleep(0.01)
                continue
            spans.append((started, time.perf_counter()))

    workers = [asyncio.create_task(worker(client)) for client in range(clients)]
    await asyncio.sleep(warmup)
    cpu_before = cpu_snapshot(pids)
    window_start = time.perf_counter()
    await asyncio.sleep(seconds)
    window_end = time.perf_counter()
    cpu_after = cpu_snapshot(pids)
    stopping = True
    await asyncio.gather(*workers)

    window = window_end - window_start
    latencies = sorted(end - start for start, end in spans if window_start <= end <= window_end)
    return LevelResult(
        clients=clients,
        rate=len(latencies) / window,
        completed=len(latencies),
        window_seconds=window,
        p50_ms=percentile(latencies, 0.50) * 1000,
        p99_ms=percentile(latencies, 0.99) * 1000,
        errors=len(errors),
        first_error=errors[0] if errors else "",
        cpu_cores=_cores(cpu_before, cpu_after, window),
    )


def _cores(before: dict[str, int], after: dict[str, int], window: float) -> dict[str, float]:
    """CPU used in the window, in cores; `other` is the machine's rest (anything else running)."""
    cores = {name: (after[name] - before[name]) / CLOCK_TICKS / window for name in CPU_NAMES}
    cores["other"] = max(0.0, cores["machine"] - sum(v for k, v in cores.items() if k != "machine"))
    return cores


async def load_generator(args: argparse.Namespace) -> None:
    phone = Phone()
    if args.relay:
        await phone.connect(args.relay)
    pids = Pids.decode(args.pids)
    results: dict[str, Any] = {}
    try:
        for level in args.levels:
            async with CLIENTS[args.load_generator](args.address, level, phone) as operation:
                result = await run_level(
                    operation, level, warmup=args.warmup, seconds=args.seconds, pids=pids
                )
            results[str(level)] = asdict(result)
    finally:
        await phone.close()
    print(json.dumps(results), flush=True)


# --- the servers (this process) ---------------------------------------------------------------------
class RelaySender:
    """The code sender identity is given (the `CodeSender` protocol): it stands in for the SMS
    gateway, capturing each code and forwarding it at once to the connected load generators."""

    def __init__(self) -> None:
        self._phones: set[asyncio.StreamWriter] = set()

    async def accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._phones.add(writer)
        try:
            await reader.read()  # until the load generator hangs up
        finally:
            self._phones.discard(writer)
            writer.close()

    async def send(self, destination: Destination, subject: str, text: str) -> None:
        match = CODE_PATTERN.search(text)
        if match is None:
            raise BenchError(f"no code in the message: {text!r}")
        line = f"{destination.value} {match.group(1)}\n".encode()
        for phone in self._phones:
            phone.write(line)

    async def close(self) -> None:
        for phone in list(self._phones):
            phone.close()


def _echo_server() -> Any:
    async def echo(request: bytes, context: Any) -> bytes:
        return request

    handler = grpc.method_handlers_generic_handler(
        "bench.Echo",
        {
            "Echo": grpc.unary_unary_rpc_method_handler(
                echo, request_deserializer=_same, response_serializer=_same
            )
        },
    )
    server = grpc.aio.server(options=[("grpc.so_reuseport", 0)])
    server.add_generic_rpc_handlers((handler,))
    return server


async def _measure(target: str, address: str, relay: str, pids: Pids, args: argparse.Namespace) -> Any:
    print(f"measuring {TITLES[target]} at {args.levels} clients ...", file=sys.stderr, flush=True)
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        SCRIPT,
        "--load-generator",
        target,
        "--address",
        address,
        "--relay",
        relay,
        "--pids",
        pids.encode(),
        "--levels",
        ",".join(str(level) for level in args.levels),
        "--seconds",
        str(args.seconds),
        "--warmup",
        str(args.warmup),
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await child.communicate()
    if child.returncode != 0:
        raise RuntimeError(f"the {target} load generator failed (exit {child.returncode})")
    return json.loads(out.decode().strip().splitlines()[-1])


async def serve_and_measure(
    args: argparse.Namespace, root: Path, database_url: str, nats_url: str, pids: Pids
) -> dict[str, Any]:
    from services.gateway.config import GatewaySettings
    from services.gateway.main import GatewayApp
    from services.identity.config import IdentitySettings
    from services.identity.main import IdentityApp

    async with contextlib.AsyncExitStack() as stack:
        sender = RelaySender()
        relay_path = str(root / "codes.sock")
        relay = await asyncio.start_unix_server(sender.accept, relay_path)
        stack.push_async_callback(relay.wait_closed)
        stack.callback(relay.close)

        echo = _echo_server()
        echo_port = echo.add_insecure_port("127.0.0.1:0")
        await echo.start()
        stack.push_async_callback(echo.stop, 0)

        identity = IdentityApp(
            IdentitySettings(
                database_url=database_url,
                nats_url=nats_url,
                grpc_port=0,
                metrics_port=0,
                log_json=True,
                shutdown_grace_seconds=2,
                code_pepper=secrets.token_urlsafe(32),
                code_resend_seconds=0,
                codes_per_destination_per_hour=10**9,
                codes_per_address_per_hour=10**9,
            ),
            sender=sender,
        )
        await identity.start()
        stack.push_async_callback(identity.stop)
        assert identity.grpc is not None

        gateway = GatewayApp(
            GatewaySettings(
                http_port=0,
                metrics_port=0,
                identity_addr=identity.grpc.address,
                nats_url=nats_url,
                trust_forwarded_for=True,
                shutdown_grace_seconds=2,
            )
        )
        await gateway.start()
        stack.push_async_callback(gateway.stop)

        addresses = {
            "echo": f"127.0.0.1:{echo_port}",
            "grpc": identity.grpc.address,
            "http": f"http://127.0.0.1:{gateway.port}",
        }
        return {
            target: await _measure(target, addresses[target], relay_path, pids, args) for target in TARGETS
        }


def run_servers(args: argparse.Namespace) -> dict[str, Any]:
    from services.common.logging import configure_logging
    from services.devstack.embedded import EmbeddedNats, EmbeddedPostgres, free_port

    configure_logging("bench", level="ERROR", json=False)
    root = Path(tempfile.mkdtemp(prefix="pb-", dir="/tmp"))
    postgres = EmbeddedPostgres(root / "pg")
    nats: EmbeddedNats | None = None
    try:
        nats = EmbeddedNats(root / "nats", free_port()).start()
        assert nats.process is not None
        database_url = postgres.create_database("bench")
        postmaster = int((root / "pg" / "postmaster.pid").read_text().split()[0])
        pids = Pids(servers=os.getpid(), postgres=postmaster, nats=nats.process.pid)
        return asyncio.run(serve_and_measure(args, root, database_url, nats.url, pids))
    finally:
        if nats is not None:
            nats.stop()
        postgres.stop()
        shutil.rmtree(root, ignore_errors=True)


# --- the report --------------------------------------------------------------------------------------
def report(args: argparse.Namespace, results: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    ratios = {
        target: {
            level: results[target][level]["rate"] / results["echo"][level]["rate"]
            if results["echo"][level]["rate"]
            else 0.0
            for level in results[target]
        }
        for target in results
        if target != "echo"
    }
    cores = os.cpu_count() or 0
    lines = [
        "Parta sign-ins per second (RequestCode + VerifyCode; each a new account, session and address)",
        f"{args.seconds:g} s per level after {args.warmup:g} s warm-up; {cores} CPUs; "
        "load generator in a child process",
        "",
        f"{'path':<21}{'clients':>8}{'sign-ins/s':>12}{'p50 ms':>9}{'p99 ms':>9}{'x echo':>8}{'errors':>7}"
        f"  | CPU cores:{'load-gen':>9}{'servers':>8}{'pg':>6}{'nats':>6}{'other':>7}{'machine':>8}",
    ]
    for target in results:
        for level, row in results[target].items():
            ratio = 1.0 if target == "echo" else ratios[target][level]
            cpu = row["cpu_cores"]
            lines.append(
                f"{TITLES[target]:<21}{level:>8}{row['rate']:>12.1f}{row['p50_ms']:>9.2f}{row['p99_ms']:>9.2f}"
                f"{ratio:>8.3f}{row['errors']:>7}  |{'':>10}{cpu['load_generator']:>9.2f}"
                f"{cpu['servers']:>8.2f}{cpu['postgres']:>6.2f}{cpu['nats']:>6.2f}{cpu['other']:>7.2f}"
                f"{cpu['machine']:>8.2f}"
            )
        lines.append("")
    lines += [
        "echo: sign-ins/s = pairs of sequential echo calls per second (calls/s is twice that).",
        "x echo: the path's rate over the echo baseline's at the same number of clients.",
        "CPU (cores used in the window): load-gen = the client process; servers = this process (identity,",
        "gateway and echo server share it); pg = PostgreSQL; other = anything else on the machine (when it",
        "is not near 0, something else was running and the figures are noisy).",
    ]
    for target in results:
        for level, row in results[target].items():
            if row["errors"]:
                lines.append(
                    f"ERRORS in {target} at {level} clients: {row['errors']}, first: {row['first_error']}"
                )
    summary = {
        "unit": "sign-ins/s (echo: pairs of calls/s)",
        "seconds": args.seconds,
        "warmup": args.warmup,
        "cpus": cores,
        "levels": args.levels,
        "results": results,
        "ratios": ratios,
    }
    return "\n".join(lines), summary


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=3.0, help="measured window per level")
    parser.add_argument("--warmup", type=float, default=1.0, help="unmeasured run before each window")
    parser.add_argument("--levels", default="1,16,64", help="numbers of concurrent clients")
    parser.add_argument("--quick", action="store_true", help="smoke run: 0.5 s windows, 0.2 s warm-up")
    # The child process that generates the load:
    parser.add_argument("--load-generator", choices=TARGETS, help=argparse.SUPPRESS)
    parser.add_argument("--address", help=argparse.SUPPRESS)
    parser.add_argument("--relay", default="", help=argparse.SUPPRESS)
    parser.add_argument("--pids", default="0,0,0", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.seconds, args.warmup = 0.5, 0.2
    args.levels = [int(level) for level in str(args.levels).split(",")]
    if args.seconds <= 0 or args.warmup < 0 or any(level < 1 for level in args.levels):
        parser.error("--seconds must be positive, --warmup not negative, --levels at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.load_generator:
        asyncio.run(load_generator(args))
        return 0
    results = run_servers(args)
    table, summary = report(args, results)
    print(table)
    print("BENCH " + json.dumps(summary), flush=True)
    failed = any(row["errors"] or row["rate"] <= 0 for rows in results.values() for row in rows.values())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
