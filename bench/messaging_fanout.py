"""How many chat messages per second Parta delivers live to class chats, and how fast, next to a
baseline of the same traffic through raw NATS and a bare WebSocket relay, measured in the same run.

The traffic: K class chats (``--chats``, default 4) of 30 members each — the class teacher, who
posts, and 29 students. All 30 of each chat hold a WebSocket to the gateway (``/api/v1/ws``:
``auth`` → ``ready``, then ``subscribe`` from sequence 0) and every one of them, the sender's own
socket too (as a second device would), must receive every message of the chat. The teachers post
over HTTP (``POST /api/v1/chats/{id}/messages``), open loop: a post is started every 1/rate
seconds, round robin over the chats, whatever the answers do. The posts go through a minimal
kept-alive HTTP/1.1 client (``LeanHttp``): httpx cost the load generator ~5 ms of CPU per post, a
third of the machine at Parta's peak, which the baseline's NATS publisher never pays.

Two paths carry that traffic, each measured the same way by the same load generator:

- ``parta``    — gateway (HTTP) → messaging (gRPC; PostgreSQL transaction with the per-chat
  sequence, the outbox and the read mark) → core NATS ``parta.live.chat.<id>`` → the gateway's live
  hub → 30 WebSocket sessions per chat.
- ``baseline`` — no Parta code: the load generator publishes the message frame to NATS directly
  (it numbers the messages itself), a minimal Starlette/uvicorn WebSocket endpoint subscribed to
  those subjects forwards each NATS message as it is to the sockets of that chat. Same number of
  sockets, same frame shape and size, same uvicorn WebSocket settings (permessage-deflate on, as
  browsers ask for it), the same clients.

The real infrastructure is started as the tests start it: embedded PostgreSQL 16 and NATS, then
identity, messaging and the gateway in this process — or, with ``--gateway-process``, the gateway
in a process of its own as it is deployed (this script with ``--serve-gateway``; on two cores the
second process cost more in cross-process wake-ups than it gained: p99 84 ms at 143 msg/s against
49 ms at 136 in one process). All on uvloop as every service runs
(``services/common/eventloop.py``; ``PARTA_EVENT_LOOP=asyncio`` measures on the standard loop).
The people sign in for real (RequestCode + VerifyCode, codes captured by a stand-in for the SMS
gateway); messaging's read model of the directory (organisation, roles, classes, class teachers,
students' classes) is seeded straight through messaging's store, as the messaging tests may; the
chats are created by their class teachers and joined by the students over the public HTTP API.
The load generator — the 30·K WebSocket clients and the HTTP (or NATS) senders — runs in a child
process (this script with ``--load-generator``), so clients and servers do not share one
interpreter. The Parta servers are stopped before the baseline runs; the baseline relay runs alone
in this process.

For each path: a warm-up, then a ramp of rates (``--ramp``, default 50 msg/s growing ×1.6, each
step ``--step-seconds`` long) until a step does not keep up (it delivers less than 85% of what was
offered, or not everything within the drain time); then one window of ``--seconds`` at a fixed
rate: ``--rate``, by default 70% of Parta's peak (the baseline runs its window at the same rate).

How to read it:

- ``msg/s`` — messages delivered to all 30 sockets of their chat, per second, from the step's
  first post to the last delivery of its messages; ``frames/s`` is the same in WebSocket frames
  (30 per message). ``sent/s`` is the rate the load generator actually started posts at: when it
  falls short of ``offered``, the load generator itself was the limit.
- ``peak`` is the highest ``msg/s`` of the ramp: at the first step that does not keep up, the
  delivery rate is what the path can carry (the rest queues). ``x baseline`` = Parta's peak over the
  baseline's: the issue's target is at least 0.5.
- ``p50``/``p99`` — send-to-receive latency of every delivery (post started → frame received by one
  socket), in ms. Target: Parta's p99 under 50 ms at 70% of its peak.
- ``dups``/``gaps``/``ooo`` — over the whole run, per socket: a sequence received twice, a sequence
  of the chat (1 .. its last) never received, a frame that was not the next sequence. Duplicates and
  gaps must be 0 (the live channel promises it); out-of-order frames are allowed (the protocol keeps
  each chat's order, so they should be 0 too).
- CPU columns (cores used in the step): the load generator, ``servers`` (this process: identity,
  messaging and the gateway, with the gateway's own process if it has one; or the relay),
  PostgreSQL, NATS, ``other`` (the rest of the machine; well above 0 means something else ran and
  the row is noisy). On a 2-core machine everything competes for the same two cores, the load
  generator too.

Run ``python bench/messaging_fanout.py`` (``--chats``, ``--rate``, ``--seconds``, ``--ramp``,
``--step-seconds``; ``--quick`` for a smoke run: 1 chat, 0.5 s steps). The last line,
``BENCH {...}``, holds every number as JSON. Exit status 1 on duplicates, gaps, errors in the fixed
window or nothing delivered; missing a target is reported, not an error.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import json
import math
import os
import shutil
import socket
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import httpx

from services.common import eventloop

if TYPE_CHECKING:
    from nats.aio.client import Client as NATS
    from nats.aio.msg import Msg
    from starlette.websockets import WebSocket
    from websockets.asyncio.client import ClientConnection

    from services.identity.destinations import Destination

MEMBERS = 30  # per chat: 1 sender + 29 readers, all of them connected and subscribed
PATHS = ("parta", "baseline")
TARGET_RATIO = 0.5
TARGET_P99_MS = 50.0
LATENCY_FRACTION = 0.7
KEPT_UP = 0.85  # a step keeps up when it delivers at least this share of the offered rate
BASELINE_PREFIX = "bench.relay.chat."
SCRIPT = str(Path(__file__).resolve())
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
CPU_NAMES = ("load_generator", "servers", "postgres", "nats", "machine")
HTTP_TIMEOUT = 30.0


class BenchError(Exception):
    """Something the benchmark needs did not happen."""


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list (0.0 when empty)."""
    if not sorted_values:
        return 0.0
    return sorted_values[min(len(sorted_values) - 1, max(0, math.ceil(q * len(sorted_values)) - 1))]


# --- where the CPU went (Linux /proc) --------------------------------------------------------------
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
    """PostgreSQL's postmaster, its live backends and those it has reaped."""
    fields = _stat_fields(root)
    if fields is None:
        return 0
    total = sum(int(value) for value in fields[11:15])
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (child := _stat_fields(int(entry))) and int(child[1]) == root:
            total += int(child[11]) + int(child[12])
    return total


def _machine_busy_ticks() -> int:
    with open("/proc/stat") as stat:
        values = [int(v) for v in stat.readline().split()[1:9]]
    return sum(values) - values[3] - values[4]  # less idle and iowait


def cpu_snapshot(pids: dict[str, int]) -> dict[str, int]:
    return {
        "load_generator": _process_ticks(os.getpid()),
        "servers": _process_ticks(pids["servers"]) + _process_ticks(pids.get("gateway", 0)),
        "postgres": _tree_ticks(pids["postgres"]) if pids["postgres"] else 0,
        "nats": _process_ticks(pids["nats"]),
        "machine": _machine_busy_ticks(),
    }


def cpu_cores(before: dict[str, int], after: dict[str, int], window: float) -> dict[str, float]:
    cores = {name: (after[name] - before[name]) / CLOCK_TICKS / window for name in CPU_NAMES}
    cores["other"] = max(0.0, cores["machine"] - sum(v for k, v in cores.items() if k != "machine"))
    return cores


# --- the load generator (a child process) ----------------------------------------------------------
class Sender(Protocol):
    """Posts one message to chat number `chat` and answers its sequence number."""

    async def send(self, chat: int, text: str) -> int: ...

    async def last_seq(self, chat: int) -> int: ...

    async def close(self) -> None: ...


class _Connection:
    """One kept-alive HTTP/1.1 connection of the load generator."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.last_used = time.monotonic()

    def close(self) -> None:
        self.writer.close()


class LeanHttp:
    """A minimal HTTP/1.1 client with kept-alive connections, one request on a connection at a
    time: the load generator must cost little next to what it measures (httpx spent ~5 ms of the
    load generator's CPU per post here, as much as a third of the two cores at Parta's peak, which
    the baseline's NATS publisher does not pay). It speaks just what the gateway answers: a status
    line, headers and a Content-Length body."""

    # Connections idle longer than this are not reused: the server may be closing them (uvicorn's
    # keep-alive timeout is 5 s), and a POST lost that way could not be told from a refused one.
    IDLE_REUSE_SECONDS = 2.0

    def __init__(self, base_url: str) -> None:
        rest = base_url.removeprefix("http://")
        host, _, port = rest.partition(":")
        self._host, self._port = host, int(port.split("/")[0] or 80)
        self._idle: list[_Connection] = []

    async def request(
        self, method: str, path: str, headers: dict[str, str], body: bytes = b""
    ) -> tuple[int, bytes]:
        connection = await self._connection()
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self._host}:{self._port}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        if body:
            lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        try:
            connection.writer.write(head + body)
            status_line = await asyncio.wait_for(connection.reader.readline(), HTTP_TIMEOUT)
            if not status_line:
                raise BenchError("the server closed the connection")
            status = int(status_line.split()[1])
            length, keep = 0, True
            while (line := await connection.reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode("latin-1").partition(":")
                name = name.strip().lower()
                if name == "content-length":
                    length = int(value)
                elif name == "connection" and value.strip().lower() == "close":
                    keep = False
            payload = await connection.reader.readexactly(length) if length else b""
        except BaseException:
            connection.close()
            raise
        if keep:
            connection.last_used = time.monotonic()
            self._idle.append(connection)
        else:
            connection.close()
        return status, payload

    async def _connection(self) -> _Connection:
        now = time.monotonic()
        while self._idle:
            connection = self._idle.pop()
            if now - connection.last_used < self.IDLE_REUSE_SECONDS:
                return connection
            connection.close()
        reader, writer = await asyncio.open_connection(self._host, self._port)
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return _Connection(reader, writer)

    async def close(self) -> None:
        for connection in self._idle:
            connection.close()
        self._idle.clear()


class PartaSender:
    """The class teachers posting over HTTP through the gateway."""

    def __init__(self, base_url: str, chats: list[dict[str, Any]]) -> None:
        self._http = LeanHttp(base_url)
        self._paths = [f"/api/v1/chats/{chat['chat_id']}" for chat in chats]
        self._headers = [
            {"Authorization": f"Bearer {chat['sender_token']}", "User-Agent": "bench"} for chat in chats
        ]

    async def send(self, chat: int, text: str) -> int:
        body = json.dumps({"text": text}, ensure_ascii=False).encode()
        status, payload = await self._http.request(
            "POST", self._paths[chat] + "/messages", self._headers[chat], body
        )
        if status != 201:
            raise BenchError(f"POST messages: {status} {payload[:200]!r}")
        return int(json.loads(payload)["seq"])

    async def last_seq(self, chat: int) -> int:
        status, payload = await self._http.request("GET", self._paths[chat], self._headers[chat])
        if status != 200:
            raise BenchError(f"GET chat: {status} {payload[:200]!r}")
        return int(json.loads(payload)["last_seq"])

    async def close(self) -> None:
        await self._http.close()


class BaselineSender:
    """Publishes the message frame to NATS directly, numbering each chat's messages itself."""

    def __init__(self, nc: NATS, chats: list[dict[str, Any]]) -> None:
        self._nc = nc
        self._chats = [str(chat["chat_id"]) for chat in chats]
        self._authors = [str(uuid.uuid4()) for _ in chats]
        self._seqs = [0 for _ in chats]

    @classmethod
    async def connect(cls, url: str, chats: list[dict[str, Any]]) -> BaselineSender:
        import nats

        return cls(await nats.connect(url, name="bench-publisher"), chats)

    async def send(self, chat: int, text: str) -> int:
        self._seqs[chat] += 1
        seq = self._seqs[chat]
        chat_id = self._chats[chat]
        now = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
        frame = {  # the shape and size of Parta's frame
            "type": "message",
            "chat_id": chat_id,
            "message": {
                "chat_id": chat_id,
                "seq": seq,
                "author_id": self._authors[chat],
                "text": text,
                "reply_to_seq": None,
                "deleted": False,
                "created_at": f"{now}.000000Z",
                "edited_at": None,
            },
        }
        payload = json.dumps(frame, ensure_ascii=False, separators=(",", ":")).encode()
        await self._nc.publish(BASELINE_PREFIX + chat_id, payload)
        return seq

    async def last_seq(self, chat: int) -> int:
        await self._nc.flush()
        return self._seqs[chat]

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self._nc.drain()


@dataclass
class Member:
    """One WebSocket client: a member of chat number `chat`."""

    chat: int
    chat_id: str
    seen: set[int] = field(default_factory=set)
    last: int = 0
    duplicates: int = 0
    out_of_order: int = 0
    ws: ClientConnection | None = None


@dataclass
class StepResult:
    label: str
    offered_per_s: float
    sent_per_s: float  # posts started per second (short of `offered` when the client lagged)
    messages: int
    delivered_messages: int  # delivered to all 30 sockets within the drain time
    msgs_per_s: float
    frames_per_s: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    post_p50_ms: float  # the send itself: HTTP POST → 201 (baseline: the NATS publish call)
    post_p99_ms: float
    errors: int
    kept_up: bool
    seconds: float
    first_error: str = ""
    cpu_cores: dict[str, float] = field(default_factory=dict)


class LoadGenerator:
    def __init__(self, plan: dict[str, Any], sender: Sender) -> None:
        self.plan = plan
        self.sender = sender
        self.chats: list[dict[str, Any]] = plan["chats"]
        self.members: list[Member] = []
        self.arrivals: dict[tuple[int, int], list[float]] = {}
        self.sent_at: dict[tuple[int, int], float] = {}
        self.frame_errors: list[str] = []
        self.closing = False
        self._receivers: list[asyncio.Task[None]] = []
        self._pids: dict[str, int] = plan["pids"]

    # --- sockets ----------------------------------------------------------------------------------
    async def connect_all(self) -> None:
        gate = asyncio.Semaphore(16)

        async def one(chat: int, token: str) -> None:
            async with gate:
                member = Member(chat, str(self.chats[chat]["chat_id"]))
                await self._connect(member, token)
                self.members.append(member)
                self._receivers.append(asyncio.create_task(self._receive(member)))

        await asyncio.gather(
            *(one(index, token) for index, chat in enumerate(self.chats) for token in chat["member_tokens"])
        )

    async def _connect(self, member: Member, token: str) -> None:
        from websockets.asyncio.client import connect

        ws = await connect(self.plan["ws_url"], open_timeout=10, user_agent_header="bench")
        subscribe = json.dumps({"type": "subscribe", "chats": {member.chat_id: 0}})
        if token:  # Parta: auth first, then subscribe (from the first message)
            await ws.send(json.dumps({"type": "auth", "token": token}))
            ready = json.loads(await asyncio.wait_for(ws.recv(), 10))
            if ready.get("type") != "ready":
                raise BenchError(f"auth answered {ready}")
            await ws.send(subscribe)
        else:  # the relay: subscribe, then ready once NATS has the interest
            await ws.send(subscribe)
            ready = json.loads(await asyncio.wait_for(ws.recv(), 10))
            if ready.get("type") != "ready":
                raise BenchError(f"the relay answered {ready}")
        member.ws = ws

    async def _receive(self, member: Member) -> None:
        from websockets.exceptions import ConnectionClosed

        assert member.ws is not None
        arrivals = self.arrivals
        try:
            async for raw in member.ws:
                now = time.perf_counter()
                frame = json.loads(raw)
                if frame.get("type") != "message":
                    if frame.get("type") == "error":
                        self.frame_errors.append(str(frame)[:300])
                    continue
                if frame.get("chat_id") != member.chat_id:
                    self.frame_errors.append(f"a frame of another chat: {str(frame)[:200]}")
                    continue
                seq = int(frame["message"]["seq"])
                if seq in member.seen:
                    member.duplicates += 1
                    continue
                member.seen.add(seq)
                if seq != member.last + 1:
                    member.out_of_order += 1
                member.last = max(member.last, seq)
                key = (member.chat, seq)
                found = arrivals.get(key)
                if found is None:
                    arrivals[key] = [now]
                else:
                    found.append(now)
        except ConnectionClosed as closed:
            if not self.closing:
                self.frame_errors.append(f"socket closed: {closed}")

    async def close(self) -> None:
        self.closing = True
        for member in self.members:
            if member.ws is not None:
                with contextlib.suppress(Exception):
                    await member.ws.close()
        for task in self._receivers:
            task.cancel()
        await asyncio.gather(*self._receivers, return_exceptions=True)
        await self.sender.close()

    # --- steps ------------------------------------------------------------------------------------
    async def settle(self, within: float = 10.0) -> None:
        """Wait until the servers are idle (below 0.15 cores over 0.25 s), at most `within` seconds:
        work queued by the step before (outbox relay, a backlog) must not run in the next window."""
        deadline = time.perf_counter() + within
        pids = (self._pids["servers"], self._pids.get("gateway", 0))
        while time.perf_counter() < deadline:
            before = sum(_process_ticks(pid) for pid in pids)
            await asyncio.sleep(0.25)
            if (sum(_process_ticks(pid) for pid in pids) - before) / CLOCK_TICKS / 0.25 < 0.15:
                return

    async def step(self, label: str, rate: float, seconds: float) -> StepResult:
        """Open loop at `rate` messages/s (all chats together) for `seconds`, then wait for delivery."""
        keys: list[tuple[int, int]] = []
        errors: list[str] = []
        posts: list[float] = []
        chats = len(self.chats)

        async def one(index: int) -> None:
            chat = index % chats
            started = time.perf_counter()
            try:
                seq = await self.sender.send(chat, f"{label} {index}: сообщение классу")
            except Exception as error:
                errors.append(f"{type(error).__name__}: {error}"[:300])
                return
            posts.append(time.perf_counter() - started)
            self.sent_at[(chat, seq)] = started
            keys.append((chat, seq))

        total = max(1, round(rate * seconds))
        cpu_before = cpu_snapshot(self._pids)
        begin = time.perf_counter()
        tasks = []
        for index in range(total):
            delay = begin + index / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(index)))
        sending = max(time.perf_counter() - begin, 1e-9)
        await asyncio.gather(*tasks)

        drain = max(5.0, 2 * seconds)
        deadline = time.perf_counter() + drain
        pending = set(keys)
        while pending and time.perf_counter() < deadline:
            pending = {key for key in pending if len(self.arrivals.get(key, ())) < MEMBERS}
            if pending:
                await asyncio.sleep(0.01)
        window = time.perf_counter() - begin
        cpu = cpu_cores(cpu_before, cpu_snapshot(self._pids), window)

        complete = [key for key in keys if len(self.arrivals.get(key, ())) >= MEMBERS]
        last = max((max(self.arrivals[key]) for key in complete), default=begin)
        span = max(last - begin, 1e-9)
        latencies = sorted(
            arrival - self.sent_at[key] for key in keys for arrival in self.arrivals.get(key, ())
        )
        posts.sort()
        msgs_per_s = len(complete) / span if complete else 0.0
        kept_up = not errors and len(complete) == len(keys) and msgs_per_s >= KEPT_UP * rate
        return StepResult(
            label=label,
            offered_per_s=rate,
            sent_per_s=total / sending if total > 1 else rate,
            messages=total,
            delivered_messages=len(complete),
            msgs_per_s=msgs_per_s,
            frames_per_s=len(latencies) / span if latencies else 0.0,
            p50_ms=percentile(latencies, 0.50) * 1000,
            p99_ms=percentile(latencies, 0.99) * 1000,
            max_ms=(latencies[-1] * 1000) if latencies else 0.0,
            post_p50_ms=percentile(posts, 0.50) * 1000,
            post_p99_ms=percentile(posts, 0.99) * 1000,
            errors=len(errors),
            kept_up=kept_up,
            seconds=seconds,
            first_error=errors[0] if errors else "",
            cpu_cores=cpu,
        )

    async def warm_up(self) -> None:
        """A few messages per chat, all delivered: every socket is subscribed and every path warm."""
        count = self.plan["warmup_messages"] * len(self.chats)
        result = await self.step(
            "warm-up", rate=20.0 * len(self.chats), seconds=count / (20.0 * len(self.chats))
        )
        if result.errors or result.delivered_messages != result.messages:
            raise BenchError(
                f"warm-up: {result.delivered_messages} of {result.messages} delivered to all sockets, "
                f"{result.errors} errors ({result.first_error}; {self.frame_errors[:3]})"
            )

    async def ramp(self) -> list[StepResult]:
        steps: list[StepResult] = []
        rates: list[float] = list(self.plan["ramp"])
        rate = float(self.plan["ramp_start"])
        for index in range(self.plan["ramp_steps"]):
            if rates:
                if index >= len(rates):
                    break
                rate = rates[index]
            await self.settle()
            result = await self.step(f"ramp {rate:.0f}/s", rate, self.plan["step_seconds"])
            steps.append(result)
            print(
                f"  {self.plan['path']}: {rate:>7.0f}/s offered → {result.msgs_per_s:>7.0f} msg/s, "
                f"p99 {result.p99_ms:.1f} ms{'' if result.kept_up else '  (did not keep up)'}",
                file=sys.stderr,
                flush=True,
            )
            if not result.kept_up and not rates:
                break
            rate *= self.plan["ramp_factor"]
        return steps

    async def check(self) -> dict[str, int]:
        """Per socket, over the whole run: duplicates, gaps (1 .. the chat's last seq), out of order."""
        finals = [await self.sender.last_seq(chat) for chat in range(len(self.chats))]
        deadline = time.perf_counter() + 5.0
        while time.perf_counter() < deadline and any(  # noqa: ASYNC110 - polls what receivers record
            len(member.seen) < finals[member.chat] for member in self.members
        ):
            await asyncio.sleep(0.05)
        gaps = sum(len(set(range(1, finals[member.chat] + 1)) - member.seen) for member in self.members)
        extra = sum(len({s for s in member.seen if s > finals[member.chat]}) for member in self.members)
        return {
            "duplicates": sum(member.duplicates for member in self.members),
            "gaps": gaps,
            "out_of_order": sum(member.out_of_order for member in self.members),
            "unexpected": extra,
            "last_seqs": sum(finals),
        }


async def load_generator(plan: dict[str, Any]) -> dict[str, Any]:
    sender: Sender
    if plan["path"] == "parta":
        sender = PartaSender(plan["http_url"], plan["chats"])
    else:
        sender = await BaselineSender.connect(plan["nats_url"], plan["chats"])
    generator = LoadGenerator(plan, sender)
    try:
        await generator.connect_all()
        await generator.warm_up()
        steps = await generator.ramp() if plan["ramp_steps"] else []
        peak = max((step.msgs_per_s for step in steps), default=0.0)
        rate = float(plan["rate"]) or LATENCY_FRACTION * peak
        if rate <= 0:
            raise BenchError("no rate for the fixed window: the ramp delivered nothing")
        await generator.settle()
        fixed = await generator.step(f"fixed {rate:.0f}/s", rate, plan["seconds"])
        print(
            f"  {plan['path']}: fixed {rate:.0f}/s → {fixed.msgs_per_s:.0f} msg/s, "
            f"p50 {fixed.p50_ms:.1f} ms, p99 {fixed.p99_ms:.1f} ms",
            file=sys.stderr,
            flush=True,
        )
        checks = await generator.check()
    finally:
        await generator.close()
    return {
        "sockets": len(generator.members),
        "steps": [asdict(step) for step in steps],
        "peak_msgs_per_s": peak,
        "peak_frames_per_s": max((step.frames_per_s for step in steps), default=0.0),
        "fixed": asdict(fixed),
        "frame_errors": len(generator.frame_errors),
        "first_frame_error": generator.frame_errors[0] if generator.frame_errors else "",
        **checks,
    }


# --- the servers (this process) ---------------------------------------------------------------------
class CapturingSender:
    """Stands in for the SMS gateway: keeps the last code sent to each destination."""

    def __init__(self) -> None:
        self.codes: dict[str, str] = {}

    async def send(self, destination: Destination, subject: str, text: str) -> None:
        words = [word.strip(".:,") for word in text.split()]
        self.codes[destination.value] = next(w for w in words if w.isdigit() and len(w) == 6)

    async def close(self) -> None:
        return None


def _tcp_socket() -> socket.socket:
    """A listening socket that says it is TCP (asyncio sets TCP_NODELAY only on those), as the
    gateway makes its own."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


async def _this_script(role: str) -> asyncio.subprocess.Process:
    """This script again in a child process, in a role (``--load-generator``, ``--serve-gateway``),
    spoken to on its stdin and heard on its stdout."""
    return await asyncio.create_subprocess_exec(
        sys.executable, SCRIPT, role, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE
    )


async def measure(plan: dict[str, Any]) -> dict[str, Any]:
    """Run the load generator child with `plan` on its stdin; its last stdout line is the result."""
    child = await _this_script("--load-generator")
    out, _ = await child.communicate(json.dumps(plan).encode())
    if child.returncode != 0:
        raise BenchError(f"the {plan['path']} load generator failed (exit {child.returncode})")
    return dict(json.loads(out.decode().strip().splitlines()[-1]))


async def sign_in(
    identity_addr: str, sender: CapturingSender, destinations: list[str]
) -> list[dict[str, str]]:
    """Real sign-ins (RequestCode + VerifyCode) over gRPC: each person's access token and user id."""
    import grpc

    from parta.identity.v1 import identity_pb2 as ipb
    from parta.identity.v1 import identity_pb2_grpc

    gate = asyncio.Semaphore(8)
    async with grpc.aio.insecure_channel(identity_addr) as channel:
        stub = identity_pb2_grpc.IdentityStub(channel)

        async def one(destination: str) -> dict[str, str]:
            async with gate:
                await stub.RequestCode(ipb.RequestCodeRequest(destination=destination), timeout=10)
                for _ in range(500):
                    if destination in sender.codes:
                        break
                    await asyncio.sleep(0.01)
                tokens = await stub.VerifyCode(
                    ipb.VerifyCodeRequest(
                        destination=destination, code=sender.codes.pop(destination), device_name="bench"
                    ),
                    timeout=10,
                )
                return {"access_token": tokens.access_token, "user_id": tokens.user_id}

        return list(await asyncio.gather(*(one(d) for d in destinations)))


async def seed_school(
    messaging: Any, people: list[list[dict[str, str]]]
) -> tuple[uuid.UUID, list[uuid.UUID]]:
    """Messaging's read model of one school: a class per chat, its class teacher (people[k][0]) and
    29 students — what directory's events would have said."""
    store = messaging.directory
    organisation = uuid.uuid4()
    classes = [uuid.uuid4() for _ in people]
    async with messaging.runtime.db.transaction("bench_seed") as conn:
        await store.upsert_organisation(conn, organisation, "Школа для замеров", None)
        for index, (class_id, members) in enumerate(zip(classes, people, strict=True)):
            teacher = uuid.UUID(members[0]["user_id"])
            await store.apply_roles(conn, organisation, teacher, ["teacher"], 1)
            await store.upsert_class(
                conn, class_id, organisation, f"{5 + index % 7}{'АБВГДЕЖ'[index // 7 % 7]}", "class"
            )
            await store.set_class_teacher(conn, organisation, class_id, teacher)
            for student in members[1:]:
                user = uuid.UUID(student["user_id"])
                await store.apply_roles(conn, organisation, user, ["student"], 1)
                await store.set_student_class(conn, organisation, user, class_id)
    return organisation, classes


async def open_chats(
    base_url: str, organisation: uuid.UUID, classes: list[uuid.UUID], people: list[list[dict[str, str]]]
) -> list[dict[str, Any]]:
    """The class teachers create the class chats, the students join them, over the public HTTP API."""
    gate = asyncio.Semaphore(8)
    async with httpx.AsyncClient(base_url=base_url, timeout=HTTP_TIMEOUT) as http:

        async def join(chat: dict[str, Any], tokens: dict[str, str]) -> None:
            async with gate:
                response = await http.post(
                    f"/api/v1/chats/{chat['id']}:join",
                    headers={"Authorization": f"Bearer {tokens['access_token']}"},
                    json={"rules_version": chat["rules_version"]},
                )
            if response.status_code != 200:
                raise BenchError(f"join: {response.status_code} {response.text[:200]}")

        chats = []
        for class_id, members in zip(classes, people, strict=True):
            response = await http.post(
                f"/api/v1/orgs/{organisation}/chats",
                headers={"Authorization": f"Bearer {members[0]['access_token']}"},
                json={"kind": "class", "class_id": str(class_id)},
            )
            if response.status_code != 201:
                raise BenchError(f"create chat: {response.status_code} {response.text[:200]}")
            chat = response.json()
            await asyncio.gather(*(join(chat, student) for student in members[1:]))
            chats.append(
                {
                    "chat_id": chat["id"],
                    "sender_token": members[0]["access_token"],
                    "member_tokens": [person["access_token"] for person in members],
                }
            )
    return chats


def _plan(args: argparse.Namespace, path: str, **values: Any) -> dict[str, Any]:
    return {
        "path": path,
        "ramp": args.ramp,
        "ramp_start": args.ramp_start,
        "ramp_factor": args.ramp_factor,
        "ramp_steps": 0 if args.no_ramp else args.ramp_steps,
        "step_seconds": args.step_seconds,
        "seconds": args.seconds,
        "rate": args.rate,
        "warmup_messages": args.warmup_messages,
        **values,
    }


async def measure_parta(
    args: argparse.Namespace, postgres: Any, nats_url: str, pids: dict[str, int]
) -> dict[str, Any]:
    from services.gateway.config import GatewaySettings
    from services.gateway.main import GatewayApp
    from services.identity.config import IdentitySettings
    from services.identity.main import IdentityApp
    from services.messaging.config import MessagingSettings
    from services.messaging.main import MessagingApp

    common: dict[str, Any] = {
        "nats_url": nats_url,
        "grpc_port": 0,
        "metrics_port": 0,
        "log_level": "WARNING",
        "log_json": True,
        "shutdown_grace_seconds": 2,
    }
    sender = CapturingSender()
    async with contextlib.AsyncExitStack() as stack:
        identity = IdentityApp(
            IdentitySettings(
                database_url=postgres.create_database("bench_identity"),
                dev=True,
                code_resend_seconds=0,
                codes_per_destination_per_hour=10**6,
                codes_per_address_per_hour=10**6,
                **common,
            ),
            sender=sender,
        )
        await identity.start()
        stack.push_async_callback(identity.stop)
        assert identity.grpc is not None
        messaging = MessagingApp(
            MessagingSettings(
                database_url=postgres.create_database("bench_messaging"),
                identity_addr=identity.grpc.address,
                **common,
            )
        )
        await messaging.start()
        stack.push_async_callback(messaging.stop)
        assert messaging.grpc is not None
        gateway_settings: dict[str, Any] = {
            "identity_addr": identity.grpc.address,
            "directory_addr": "127.0.0.1:9",  # not called on these paths
            "messaging_addr": messaging.grpc.address,
            "nats_url": nats_url,
        }
        gateway: GatewayProcess | GatewayApp
        if args.gateway_process:
            gateway = await stack.enter_async_context(gateway_process(gateway_settings))
            pids = {**pids, "gateway": gateway.pid}
        else:
            gateway = GatewayApp(
                GatewaySettings(
                    http_port=0,
                    metrics_port=0,
                    log_level="WARNING",
                    shutdown_grace_seconds=2,
                    **gateway_settings,
                )
            )
            await gateway.start()
            stack.push_async_callback(gateway.stop)

        print(
            f"signing in {args.chats * MEMBERS} people, opening {args.chats} class chats ...", file=sys.stderr
        )
        destinations = [f"bench-{k}-{m}@school.example" for k in range(args.chats) for m in range(MEMBERS)]
        tokens = await sign_in(identity.grpc.address, sender, destinations)
        people = [tokens[k * MEMBERS : (k + 1) * MEMBERS] for k in range(args.chats)]
        organisation, classes = await seed_school(messaging, people)
        base_url = f"http://127.0.0.1:{gateway.port}"
        chats = await open_chats(base_url, organisation, classes, people)
        print(f"measuring parta ({args.chats} chats × {MEMBERS} sockets) ...", file=sys.stderr, flush=True)
        from services.common.runtime import freeze_startup_objects

        freeze_startup_objects()  # as every service does once it has started
        plan = _plan(
            args,
            "parta",
            chats=chats,
            http_url=base_url,
            ws_url=f"ws://127.0.0.1:{gateway.port}/api/v1/ws",
            pids=pids,
        )
        if not args.profile:
            return await measure(plan)
        profiler = cProfile.Profile()
        profiler.enable()
        try:
            return await measure(plan)
        finally:
            profiler.disable()
            profiler.dump_stats(args.profile)
            print(f"profile of the Parta servers written to {args.profile}", file=sys.stderr)


@dataclass(frozen=True)
class GatewayProcess:
    pid: int
    port: int


@asynccontextmanager
async def gateway_process(settings: dict[str, Any]) -> AsyncIterator[GatewayProcess]:
    """The gateway in a process of its own, as it is deployed (and as `make run` starts it): this
    script with ``--serve-gateway``, its settings on stdin; it runs until its stdin closes."""
    child = await _this_script("--serve-gateway")
    assert child.stdin is not None
    assert child.stdout is not None
    try:
        child.stdin.write(json.dumps(settings).encode() + b"\n")
        await child.stdin.drain()
        line = await asyncio.wait_for(child.stdout.readline(), 60)
        if not line:
            raise BenchError(f"the gateway process stopped while starting (exit {await child.wait()})")
        yield GatewayProcess(pid=child.pid, port=int(json.loads(line)["port"]))
    finally:
        child.stdin.close()
        try:
            await asyncio.wait_for(child.wait(), 15)
        except TimeoutError:
            child.kill()
            await child.wait()


async def serve_gateway() -> None:
    """``--serve-gateway``: start the gateway with the settings read from stdin, print its port,
    stop when stdin closes."""
    from services.common.logging import configure_logging
    from services.common.runtime import freeze_startup_objects
    from services.gateway.config import GatewaySettings
    from services.gateway.main import GatewayApp

    configure_logging("bench-gateway", level="WARNING", json=True)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    settings = json.loads(await reader.readline())
    gateway = GatewayApp(
        GatewaySettings(
            http_port=0, metrics_port=0, log_level="WARNING", shutdown_grace_seconds=2, **settings
        )
    )
    await gateway.start()
    freeze_startup_objects()  # as serve_until_signalled does for every service
    try:
        print(json.dumps({"port": gateway.port}), flush=True)
        while await reader.read(4096):
            pass
    finally:
        await gateway.stop()


class Relay:
    """The baseline: a bare WebSocket endpoint forwarding NATS messages to the sockets of a chat.
    One wildcard subscription; a socket says which chats it wants in its first frame."""

    def __init__(self) -> None:
        self.nc: NATS | None = None
        self.followers: dict[str, set[WebSocket]] = {}

    async def open(self, url: str) -> None:
        import nats

        self.nc = await nats.connect(url, name="bench-relay")
        await self.nc.subscribe(BASELINE_PREFIX + "*", cb=self._forward)
        await self.nc.flush()

    async def close(self) -> None:
        if self.nc is not None:
            with contextlib.suppress(Exception):
                await self.nc.drain()

    async def endpoint(self, ws: WebSocket) -> None:
        await ws.accept()
        chats = [str(chat) for chat in json.loads(await ws.receive_text())["chats"]]
        for chat in chats:
            self.followers.setdefault(chat, set()).add(ws)
        await ws.send_text('{"type":"ready"}')
        try:
            while (await ws.receive())["type"] != "websocket.disconnect":
                pass
        finally:
            for chat in chats:
                self.followers[chat].discard(ws)

    async def _forward(self, msg: Msg) -> None:
        text = msg.data.decode()
        for ws in list(self.followers.get(msg.subject[len(BASELINE_PREFIX) :], ())):
            try:
                await ws.send_text(text)
            except Exception:
                continue  # the client is gone


@asynccontextmanager
async def relay_server(nats_url: str) -> AsyncIterator[int]:
    import uvicorn
    from starlette.applications import Starlette
    from starlette.routing import WebSocketRoute

    class _Server(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            yield

    relay = Relay()
    await relay.open(nats_url)
    app = Starlette(routes=[WebSocketRoute("/ws", relay.endpoint)])
    sock = _tcp_socket()
    # The gateway's uvicorn settings (the WebSocket ones are uvicorn's defaults in both).
    server = _Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                await task
                raise BenchError("the relay stopped while starting")
            await asyncio.sleep(0.01)
        yield int(sock.getsockname()[1])
    finally:
        server.should_exit = True
        await task
        await relay.close()


async def measure_baseline(
    args: argparse.Namespace, nats_url: str, pids: dict[str, int], rate: float
) -> dict[str, Any]:
    async with relay_server(nats_url) as port:
        print("measuring the baseline (NATS → bare WebSocket relay) ...", file=sys.stderr, flush=True)
        chats = [
            {"chat_id": str(uuid.uuid4()), "sender_token": "", "member_tokens": [""] * MEMBERS}
            for _ in range(args.chats)
        ]
        from services.common.runtime import freeze_startup_objects

        freeze_startup_objects()  # as every service does once it has started
        plan = _plan(
            args, "baseline", chats=chats, nats_url=nats_url, ws_url=f"ws://127.0.0.1:{port}/ws", pids=pids
        )
        plan["rate"] = rate
        return await measure(plan)


def run_servers(args: argparse.Namespace) -> dict[str, Any]:
    from services.common.logging import configure_logging
    from services.devstack.embedded import EmbeddedNats, EmbeddedPostgres, free_port

    configure_logging("bench", level="WARNING", json=True)
    root = Path(tempfile.mkdtemp(prefix="pm-", dir="/tmp"))
    postgres = EmbeddedPostgres(root / "pg")
    nats_server: EmbeddedNats | None = None
    try:
        nats_server = EmbeddedNats(root / "nats", free_port()).start()
        assert nats_server.process is not None
        postgres.create_database("bench_probe")  # started: the postmaster's pid is on disk
        postmaster = int((root / "pg" / "postmaster.pid").read_text().split()[0])
        pids = {"servers": os.getpid(), "postgres": postmaster, "nats": nats_server.process.pid}
        nats_url = nats_server.url

        async def both() -> dict[str, Any]:
            parta = await measure_parta(args, postgres, nats_url, pids)
            baseline = await measure_baseline(args, nats_url, pids, parta["fixed"]["offered_per_s"])
            return {"parta": parta, "baseline": baseline}

        return eventloop.run(both(), eventloop.from_environment())
    finally:
        if nats_server is not None:
            nats_server.stop()
        postgres.stop()
        shutil.rmtree(root, ignore_errors=True)


# --- the report --------------------------------------------------------------------------------------
def _row(path: str, step: dict[str, Any]) -> str:
    cpu = step["cpu_cores"]
    return (
        f"{path:<9}{step['label']:<15}{step['offered_per_s']:>8.0f}{step['sent_per_s']:>8.0f}"
        f"{step['msgs_per_s']:>8.0f}{step['frames_per_s']:>9.0f}{step['p50_ms']:>8.1f}{step['p99_ms']:>8.1f}"
        f"{step['max_ms']:>8.1f}{step['post_p50_ms']:>7.1f}{step['post_p99_ms']:>7.1f}{step['errors']:>5}"
        f"{'' if step['kept_up'] else ' *':<3}|"
        f"{cpu['load_generator']:>6.2f}{cpu['servers']:>6.2f}{cpu['postgres']:>6.2f}{cpu['nats']:>6.2f}"
        f"{cpu['other']:>6.2f}{cpu['machine']:>6.2f}"
    )


def report(args: argparse.Namespace, results: dict[str, Any]) -> tuple[str, dict[str, Any], bool]:
    parta, baseline = results["parta"], results["baseline"]
    ratio = parta["peak_msgs_per_s"] / baseline["peak_msgs_per_s"] if baseline["peak_msgs_per_s"] else 0.0
    fixed = parta["fixed"]
    p99_met = fixed["p99_ms"] < TARGET_P99_MS and fixed["errors"] == 0 and fixed["kept_up"]
    ratio_met = ratio >= TARGET_RATIO
    verdict = "met" if ratio_met else "NOT met"
    if args.no_ramp:
        verdict = "not measured (--no-ramp)"
    at = "70% of Parta's peak" if not args.rate else "--rate"
    lines = [
        f"Parta live fan-out: {args.chats} class chat(s) × {MEMBERS} WebSocket members, the teacher posting "
        "over HTTP; baseline = the same traffic through NATS → a bare WebSocket relay",
        f"ramp steps of {args.step_seconds:g} s, fixed window {args.seconds:g} s at {at}; "
        f"{os.cpu_count()} CPUs; load generator in a child process",
        "",
        f"{'path':<9}{'step':<15}{'offered':>8}{'sent/s':>8}{'msg/s':>8}{'frames/s':>9}{'p50 ms':>8}"
        f"{'p99 ms':>8}{'max ms':>8}{'post50':>7}{'post99':>7}{'err':>5}{'':<3}"
        "| CPU: load   srv    pg  nats other  mach",
    ]
    for name, result in (("parta", parta), ("baseline", baseline)):
        for step in result["steps"]:
            lines.append(_row(name, step))
        lines.append(_row(name, result["fixed"]))
        lines.append("")
    lines += [
        "p50/p99/max: send → receive per delivered frame; post50/post99: the send call alone (Parta:",
        "HTTP POST → 201; baseline: the NATS publish call). * = the step did not keep up (less than 85%",
        "of the offered rate delivered, or not all of it within the drain time).",
        "",
        f"{'':<10}{'peak msg/s':>11}{'frames/s':>10}{'sockets':>8}{'dups':>6}{'gaps':>6}{'ooo':>6}"
        f"{'frame errors':>13}",
    ]
    for name, result in (("parta", parta), ("baseline", baseline)):
        lines.append(
            f"{name:<10}{result['peak_msgs_per_s']:>11.0f}{result['peak_frames_per_s']:>10.0f}"
            f"{result['sockets']:>8}{result['duplicates']:>6}{result['gaps']:>6}{result['out_of_order']:>6}"
            f"{result['frame_errors']:>13}"
        )
    lines += [
        "",
        f"throughput: Parta {parta['peak_msgs_per_s']:.0f} msg/s vs baseline "
        f"{baseline['peak_msgs_per_s']:.0f} msg/s = {ratio:.2f} x baseline "
        f"(target >= {TARGET_RATIO}): {verdict}",
        f"latency at {fixed['offered_per_s']:.0f} msg/s ({at}): Parta p50 {fixed['p50_ms']:.1f} ms, "
        f"p99 {fixed['p99_ms']:.1f} ms (target p99 < {TARGET_P99_MS:.0f} ms): "
        f"{'met' if p99_met else 'NOT met'}; "
        f"baseline at the same rate p50 {baseline['fixed']['p50_ms']:.1f} ms, "
        f"p99 {baseline['fixed']['p99_ms']:.1f} ms",
        f"duplicates {parta['duplicates']}, gaps {parta['gaps']} (must be 0): "
        f"{'ok' if parta['duplicates'] == 0 and parta['gaps'] == 0 else 'FAILED'}",
    ]
    for name, result in (("parta", parta), ("baseline", baseline)):
        if result["first_frame_error"]:
            lines.append(
                f"{name}: {result['frame_errors']} error frames, first: {result['first_frame_error']}"
            )
        for step in [*result["steps"], result["fixed"]]:
            if step["errors"]:
                lines.append(f"{name} {step['label']}: {step['errors']} errors, first: {step['first_error']}")
    summary = {
        "chats": args.chats,
        "members_per_chat": MEMBERS,
        "step_seconds": args.step_seconds,
        "seconds": args.seconds,
        "cpus": os.cpu_count(),
        "parta": parta,
        "baseline": baseline,
        "ratio": ratio,
        "targets": {
            "ratio_at_least": TARGET_RATIO,
            "ratio_met": ratio_met and not args.no_ramp,
            "p99_ms_below": TARGET_P99_MS,
            "p99_rate": fixed["offered_per_s"],
            "p99_met": p99_met,
        },
    }
    failed = (
        any(result["duplicates"] or result["gaps"] for result in (parta, baseline))
        or any(result["fixed"]["errors"] for result in (parta, baseline))
        or (not args.no_ramp and min(parta["peak_msgs_per_s"], baseline["peak_msgs_per_s"]) <= 0)
        or min(fixed["msgs_per_s"], baseline["fixed"]["msgs_per_s"]) <= 0
    )
    return "\n".join(lines), summary, failed


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--chats", type=int, default=4, help="class chats of 30 members each")
    parser.add_argument(
        "--rate",
        type=float,
        default=0.0,
        help="msg/s (all chats) of the fixed window; default 70%% of the peak",
    )
    parser.add_argument("--seconds", type=float, default=8.0, help="the fixed window")
    parser.add_argument("--ramp", default="", help="explicit ramp rates, msg/s: 50,100,200 (default: grow)")
    parser.add_argument("--ramp-start", type=float, default=50.0, help="first ramp rate, msg/s")
    parser.add_argument("--ramp-factor", type=float, default=1.6, help="growth between ramp steps")
    parser.add_argument("--ramp-steps", type=int, default=12, help="at most this many ramp steps")
    parser.add_argument("--step-seconds", type=float, default=2.0, help="each ramp step")
    parser.add_argument("--no-ramp", action="store_true", help="only the fixed window (needs --rate)")
    parser.add_argument("--warmup-messages", type=int, default=5, help="per chat, before measuring")
    parser.add_argument("--quick", action="store_true", help="smoke run: 1 chat, 0.5 s steps")
    parser.add_argument(
        "--profile",
        default="",
        help="write a cProfile of identity and messaging (this process) while Parta is measured",
    )
    parser.add_argument("--load-generator", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--gateway-process",
        action="store_true",
        help="run the gateway in a process of its own (default: with identity and messaging in this one)",
    )
    parser.add_argument("--serve-gateway", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.chats, args.step_seconds, args.seconds = 1, 0.5, 0.5
        args.ramp_start, args.ramp_factor, args.ramp_steps, args.warmup_messages = 20.0, 2.0, 3, 2
    args.ramp = [float(rate) for rate in str(args.ramp).split(",") if rate.strip()]
    if args.chats < 1 or args.seconds <= 0 or args.step_seconds <= 0 or args.ramp_factor <= 1:
        parser.error("--chats at least 1, --seconds and --step-seconds positive, --ramp-factor above 1")
    if args.no_ramp and args.rate <= 0:
        parser.error("--no-ramp needs --rate")
    if any(rate <= 0 for rate in args.ramp) or args.ramp_start <= 0 or args.rate < 0:
        parser.error("rates must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.serve_gateway:
        eventloop.run(serve_gateway(), eventloop.from_environment())
        return 0
    if args.load_generator:
        plan = json.loads(sys.stdin.read())
        print(json.dumps(eventloop.run(load_generator(plan), eventloop.from_environment())), flush=True)
        return 0
    results = run_servers(args)
    table, summary, failed = report(args, results)
    print(table)
    print("BENCH " + json.dumps(summary), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
