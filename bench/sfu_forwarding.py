"""How many RTP packets Parta's SFU forwards per CPU-second, and how well, next to a baseline of the
same traffic through aiortc's encoded-frame passthrough, measured in the same run.

The traffic: one call with P publishers (``--publishers``, default 1 and 2) and S subscribers
(``--subscribers``, default 10, 40 and 80). Each publisher sends a pre-encoded clip without encoding
(services/media/sfu/loadgen: VP8 640×360 at 25 fps, ≈0.6 Mbit/s, a keyframe every 2 s, and Opus in 20 ms
frames — ≈110 packets/s per publisher); each subscriber receives every publisher's two tracks and never
decodes. The client peers run in other processes (bench/sfu_clients.py; ``--clients``, by default one
per 40 subscriber streams), all on 127.0.0.1 only. Each subscriber's leg drops a share of the RTP
reaching it (``--losses``, default 0 and 3 %): a loss pattern on the subscriber side's transport, in
the client process, before aiortc sees the packet.

Two SFUs carry that traffic, each in this process, one after the other, with the same clients:

- ``engine``   — ``services.media.sfu.engine.SfuEngine``, driven directly through its ``Engine`` port
  (open_session, negotiate, subscribe; re-offers from its listener go back to the client): RTP-level
  forwarding, never decoding. Absent (and reported so) when the engine is not there yet.
- ``baseline`` — aiortc's encoded-frame passthrough (bench/sfu_baseline.py): the publisher's receiver
  reassembles frames, which go to one aiortc sender per subscriber, which packetizes them again.

For each (path, P, S, loss): setup, every subscriber receiving every stream, ``--warmup`` seconds,
then a window of ``--seconds`` (the clients snapshot their counters at its start and end, this
process reads its own CPU from /proc/<pid>/stat), then ``--drain`` seconds for retransmissions.

How to read it:

- ``pkt/s`` and ``Mbit/s`` — RTP packets (RTX included) and bytes reaching the subscribers' transports
  in the window, the ones the induced loss dropped included (the SFU sent them).
- ``pkt/cpu-s`` — those packets per CPU-second of the SFU process alone (user + system, every thread);
  ``sfu``/``clients``/``other`` — cores used by the SFU process, the client processes and the rest of
  the machine (well above 0: something else ran, the row is noisy). The JSON adds the machine's
  interrupt time (charged to no process; loopback UDP delivery may land there) and steal time.
  ``x base`` — the engine's pkt/cpu-s over the baseline's in the same row.
- ``resid v``/``resid a`` — residual loss: sequence numbers of the window's span a subscriber never got,
  directly or by RTX, in % (video; audio — aiortc sends no NACK for audio, so audio keeps the induced loss).
- ``p50``/``p99`` — delay from a publisher's send to a subscriber's receipt, in ms, through the SFU
  (packets matched by their payload; subscribers in the publishers' client process; first deliveries only).
- ``nack``/``rtx``/``pli`` — NACK messages the subscribers sent, RTX packets they received, PLIs they
  sent; ``pli→pub`` — PLI/FIR the publishers received (the SFU's aggregation shows here);
  ``deliv`` — media packets that reached the subscribers over (packets published × S).
- Marks after the path: ``~`` not steady (``deliv`` more than 5 % off 1, or a median delay over
  250 ms: a backlog built up or drained — batches are cheaper, so its pkt/cpu-s is not comparable;
  such rows count for no target and no ratio), ``*`` noisy (the rest of the machine used more than
  half a core, or a starved client's window drifted), ``!`` a client process was the limit.

Measured on the 2-core development machine on 2026-12-03, while other sessions ran browser and
database tests (nearly every row marked noisy, several not steady): the engine at S = 40 forwarded
≈ 25–36k packets per SFU CPU-second (P = 1–2, 0 % and 3 % loss), the passthrough ≈ 14–20k, ≈ 1.4–2.6×
where both rows were steady; median delay ≈ 5–12 ms through the engine against ≈ 50–100 ms through the
passthrough (its receiver's jitter buffer holds each frame until the next one starts); residual video
loss at 3 % induced ≈ 0–0.01 % on both paths. Later the same day, after the per-packet path was cut
(SRTP inline, the host socket connected to the selected pair): the engine ≈ 48–56k against a baseline of
18–20k in the same runs, the machine as busy; a py-spy of the engine puts the kernel's UDP send first
(about half), then the header rewrite, ingress and the SRTP protect (docs/decisions/007-calls.md,
Measurements; bench/sfu_fanout.py times the per-packet path alone, bench/sfu_residual_loss.py shows why
the residual loss is the aiortc subscribers' NACK policy). On a busy machine the clients, not the SFU,
set the pace at S = 80: rows there drift (``~``), and when the lag lasts, peers close on their own —
aioice gives each consent check 0.5 s and closes the connection after 6 misses in a row (≈ 30 s) —
which the row reports as an ERROR naming the lost peer connections (seen on both paths at P = 2, S = 80).

Targets (issue 13): the engine at S = 40 ≥ 50,000 pkt/cpu-s, 0 % residual video loss at 3 % induced
loss, ≥ 1.6 × the baseline. Missing one is reported, not an error. Run ``python
bench/sfu_forwarding.py`` (``--quick``: S = 2, P = 1, 3 s windows). The last line, ``BENCH {...}``,
holds every number as JSON. Exit status 1 when a path delivered nothing or a run failed.
``--profile PREFIX`` writes a cProfile of the SFU process's window per row (the numbers then include
the profiler's cost): ``python -m pstats PREFIX-engine-p1-s40-loss0.prof``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import importlib
import importlib.util
import json
import math
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from services.common import eventloop
from services.media.sfu.ports import Connection, Role, Source, SubscriberOffer, TrackInfo

if TYPE_CHECKING:
    from bench.sfu_baseline import PassthroughRelay

CLIENTS_SCRIPT = str(Path(__file__).resolve().with_name("sfu_clients.py"))
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
STREAMS_PER_CLIENT = 40  # subscriber streams (S × P) one client process takes by default
SETUP_WITHIN_S = 120.0
CALL_ID = "bench-call"
LINE_LIMIT = 1 << 22  # one JSON line may carry an SDP with many m-lines
TARGET_S = 40
TARGET_PKT_PER_CPU_S = 50_000.0
TARGET_RATIO = 1.6
TARGET_LOSS = 0.03
NOISY_OTHER_CORES = 0.5  # the rest of the machine used more than this: the row is noisy
STEADY_SHARE = 0.05  # delivered within this share of what was published ...
STEADY_P50_MS = 250.0  # ... and a median delay under this: the row is steady
NOISY_SKEW = 0.05  # a client's window differs from the SFU's by more than this share: the row is noisy
CLIENT_LIMIT_CORES = 0.9  # a client process used more than this: the load generator was the limit


class BenchError(Exception):
    """Something the benchmark needs did not happen."""


# --- the SFUs under test -------------------------------------------------------------------------
Push = Callable[[str, str], None]  # (session, offer sdp): a re-offer to the client holding the session


class Sfu(Protocol):
    async def publish(self, session: str, sdp: str, tracks: list[tuple[str, str]]) -> str: ...

    async def subscribe(self, session: str) -> str: ...

    async def answer(self, session: str, sdp: str) -> None: ...

    async def close(self) -> None: ...


def passthrough_relay() -> PassthroughRelay:
    """bench/sfu_baseline.py's relay (a sibling script: bench/ is on sys.path when this one runs)."""
    try:
        module = importlib.import_module("sfu_baseline")
    except ImportError:
        module = importlib.import_module("bench.sfu_baseline")
    relay: PassthroughRelay = module.PassthroughRelay()
    return relay


class Baseline:
    def __init__(self, push: Push) -> None:
        self.relay = passthrough_relay()

    async def publish(self, session: str, sdp: str, tracks: list[tuple[str, str]]) -> str:
        return await self.relay.publish(session, sdp)

    async def subscribe(self, session: str) -> str:
        return await self.relay.subscribe(session)

    async def answer(self, session: str, sdp: str) -> None:
        await self.relay.answer(session, sdp)

    async def close(self) -> None:
        await self.relay.close()


def engine_available() -> bool:
    return importlib.util.find_spec("services.media.sfu.engine") is not None


class Engine:
    """The SFU engine behind its port, as the process shell drives it (signalling straight to it)."""

    def __init__(self, push: Push) -> None:
        from services.media.sfu.engine import EngineOptions, SfuEngine

        self.push = push
        options = EngineOptions(host_addresses=("127.0.0.1",), allowed_networks=("127.0.0.0/8",))
        self.engine = SfuEngine(_Listener(push), options)

    async def publish(self, session: str, sdp: str, tracks: list[tuple[str, str]]) -> str:
        await self.engine.open_session(CALL_ID, session, session, True)
        infos = [
            TrackInfo(mid=mid, kind=kind, source=Source.MICROPHONE if kind == "audio" else Source.CAMERA)
            for mid, kind in tracks
        ]
        answer = await self.engine.negotiate(CALL_ID, session, Role.PUBLISHER, "offer", sdp, infos)
        if answer is None:
            raise BenchError("the engine gave no answer to a publisher offer")
        return answer

    async def subscribe(self, session: str) -> str:
        await self.engine.open_session(CALL_ID, session, session, False)
        return (await self.engine.subscribe(CALL_ID, session)).sdp

    async def answer(self, session: str, sdp: str) -> None:
        await self.engine.negotiate(CALL_ID, session, Role.SUBSCRIBER, "answer", sdp, [])

    async def close(self) -> None:
        await self.engine.close()


class _Listener:
    """The engine's EngineListener: re-offers go back to the client; the rest is not measured."""

    def __init__(self, push: Push) -> None:
        self.push = push

    def subscriber_offer(self, call_id: str, session_id: str, user_id: str, offer: SubscriberOffer) -> None:
        self.push(session_id, offer.sdp)

    def active_speaker(
        self, call_id: str, speaker_user_id: str, speaker_session_id: str, recipients: list[tuple[str, str]]
    ) -> None:
        pass

    def muted(self, call_id: str, session_id: str, user_id: str, source: Source) -> None:
        pass

    def session_state(self, call_id: str, session_id: str, user_id: str, connection: Connection) -> None:
        pass


SFUS: dict[str, Callable[[Push], Sfu]] = {"engine": Engine, "baseline": Baseline}


# --- where the CPU went (Linux /proc) --------------------------------------------------------------
def process_ticks(pid: int) -> int:
    """utime + stime of a process (every thread), in clock ticks; 0 once it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    fields = raw[raw.rindex(")") + 2 :].split()
    return int(fields[11]) + int(fields[12])


def machine_ticks() -> list[int]:
    """[busy, softirq + irq, steal] of the whole machine: busy is all but idle and iowait. Interrupt
    time (on loopback the kernel's UDP delivery may run there) is charged to no process; steal is the
    hypervisor's."""
    with open("/proc/stat") as stat:
        values = [int(v) for v in stat.readline().split()[1:]]
    return [sum(values) - values[3] - values[4], values[5] + values[6], values[7]]


# --- one run -------------------------------------------------------------------------------------
@dataclass
class Scenario:
    path: str
    publishers: int
    subscribers: int
    loss: float


@dataclass
class Row:
    scenario: Scenario
    numbers: dict[str, Any] = field(default_factory=dict)
    error: str = ""


class Signalling:
    """This process's end of the clients' sockets: their requests go to the SFU under test."""

    def __init__(self, sfu_factory: Callable[[Push], Sfu], publishers: int) -> None:
        self.sfu = sfu_factory(self.push)
        self.publishers = publishers
        self.published = 0
        self.all_published = asyncio.Event()
        self.writers: dict[int, asyncio.StreamWriter] = {}
        self.sessions: dict[str, asyncio.StreamWriter] = {}
        self.ready: dict[int, int] = {}
        self.results: dict[int, dict[str, Any]] = {}
        self.changed = asyncio.Event()
        self.tasks: set[asyncio.Task[None]] = set()
        self.errors: list[str] = []
        self.processes: list[asyncio.subprocess.Process] = []
        if publishers == 0:
            self.all_published.set()

    def push(self, session: str, sdp: str) -> None:
        writer = self.sessions.get(session)
        if writer is not None:
            writer.write(json.dumps({"op": "offer", "session": session, "sdp": sdp}).encode() + b"\n")

    def broadcast(self, message: dict[str, Any]) -> None:
        line = json.dumps(message).encode() + b"\n"
        for writer in self.writers.values():
            writer.write(line)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        index = -1
        while line := await reader.readline():
            message = json.loads(line)
            op = message["op"]
            if op == "hello":
                index = message["client"]
                self.writers[index] = writer
            elif op in ("publish", "subscribe", "answer"):
                task = asyncio.create_task(self.serve(message, writer))
                self.tasks.add(task)
                task.add_done_callback(self.tasks.discard)
            elif op == "ready":
                self.ready[index] = message["incomplete"]
            elif op == "result":
                self.results[index] = message
            self.changed.set()

    async def serve(self, message: dict[str, Any], writer: asyncio.StreamWriter) -> None:
        op, session = message["op"], message["session"]
        reply: dict[str, Any] = {"op": "reply", "id": message["id"]}
        try:
            if op == "publish":
                tracks = [(mid, kind) for mid, kind in message["tracks"]]
                reply["sdp"] = await self.sfu.publish(session, message["sdp"], tracks)
                self.published += 1
                if self.published >= self.publishers:
                    self.all_published.set()
            elif op == "subscribe":
                self.sessions[session] = writer
                reply["sdp"] = await self.sfu.subscribe(session)
            else:
                await self.sfu.answer(session, message["sdp"])
        except Exception as exc:  # reported with the row, the run goes on
            reply["error"] = f"{type(exc).__name__}: {exc}"
            self.errors.append(f"{op} {session}: {reply['error']}")
        writer.write(json.dumps(reply).encode() + b"\n")

    async def wait(self, check: Callable[[], bool], within: float, what: str) -> None:
        deadline = time.monotonic() + within
        while not check():
            if self.errors:
                raise BenchError(self.errors[0])
            for index, process in enumerate(self.processes):
                if process.returncode not in (None, 0):
                    raise BenchError(f"client process {index} exited with status {process.returncode}")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise BenchError(f"{what} did not happen within {within:g}s")
            self.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), min(remaining, 0.5))


def client_plan(scenario: Scenario, clients: int) -> list[tuple[int, int, int]]:
    """(publishers, first subscriber, subscribers) per client process."""
    count = clients or max(
        1, min(4, math.ceil(scenario.subscribers * scenario.publishers / STREAMS_PER_CLIENT))
    )
    count = min(count, scenario.subscribers)
    plan, first = [], 0
    for index in range(count):
        share = scenario.subscribers // count + (1 if index < scenario.subscribers % count else 0)
        plan.append((scenario.publishers if index == 0 else 0, first, share))
        first += share
    return plan


async def run_scenario(scenario: Scenario, args: argparse.Namespace) -> Row:
    row = Row(scenario)
    signalling = Signalling(SFUS[scenario.path], scenario.publishers)
    directory = tempfile.mkdtemp(prefix="sfu-bench-")
    socket_path = os.path.join(directory, "s")
    server = await asyncio.start_unix_server(signalling.handle, socket_path, limit=LINE_LIMIT)
    plan = client_plan(scenario, args.clients)
    processes: list[asyncio.subprocess.Process] = []
    try:
        for index, (publishers, first, count) in enumerate(plan):
            command = [sys.executable, CLIENTS_SCRIPT, "--socket", socket_path, "--client-index", str(index)]
            command += ["--publishers", str(publishers), "--total-publishers", str(scenario.publishers)]
            command += ["--first-subscriber", str(first), "--subscribers", str(count)]
            command += ["--loss", str(scenario.loss), "--drain", str(args.drain)]
            processes.append(await asyncio.create_subprocess_exec(*command))
        signalling.processes = processes
        await signalling.wait(
            lambda: len(signalling.writers) == len(plan), SETUP_WITHIN_S, "every client saying hello"
        )
        await signalling.wait(signalling.all_published.is_set, SETUP_WITHIN_S, "every publisher negotiated")
        signalling.broadcast({"op": "subscribe-now"})
        await signalling.wait(
            lambda: len(signalling.ready) == len(plan), SETUP_WITHIN_S, "every subscriber receiving"
        )
        incomplete = sum(signalling.ready.values())
        await asyncio.sleep(args.warmup)

        pids = [os.getpid()] + [p.pid for p in processes]
        started = time.monotonic()
        before = [process_ticks(pid) for pid in pids] + machine_ticks()
        profiler = cProfile.Profile(time.process_time) if args.profile else None  # CPU, not wall time
        signalling.broadcast({"op": "window", "phase": "start"})
        if profiler is not None:
            profiler.enable()
        await asyncio.sleep(args.seconds)
        if profiler is not None:
            profiler.disable()
        signalling.broadcast({"op": "window", "phase": "end"})
        after = [process_ticks(pid) for pid in pids] + machine_ticks()
        if profiler is not None:
            name = f"{args.profile}-{scenario.path}-p{scenario.publishers}-s{scenario.subscribers}"
            profiler.dump_stats(f"{name}-loss{round(scenario.loss * 100)}.prof")
        window = time.monotonic() - started
        signalling.broadcast({"op": "finish"})
        await signalling.wait(
            lambda: len(signalling.results) == len(plan), SETUP_WITHIN_S, "every client's result"
        )
        row.numbers = summarise(scenario, signalling.results, before, after, window, incomplete)
        unconnected = [peer for result in signalling.results.values() for peer in result["unconnected"]]
        if unconnected:
            row.error = (
                f"{len(unconnected)} peer connections lost by the end ({', '.join(unconnected[:3])} ...)"
            )
    except BenchError as exc:
        row.error = str(exc)
    finally:
        server.close()
        await signalling.sfu.close()
        for process in processes:
            if process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    process.terminate()
        for process in processes:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(process.wait(), 10)
            if process.returncode is None:
                process.kill()
                await process.wait()
        with contextlib.suppress(OSError):
            os.unlink(socket_path)
            os.rmdir(directory)
    return row


def summarise(
    scenario: Scenario,
    results: dict[int, dict[str, Any]],
    before: list[int],
    after: list[int],
    window: float,
    incomplete: int,
) -> dict[str, Any]:
    def total(name: str) -> float:
        return float(sum(result[name] for result in results.values()))

    def residual(kind: str) -> float:
        expected = sum(r["residual"][kind]["expected"] for r in results.values())
        missing = sum(r["residual"][kind]["missing"] for r in results.values())
        return 100.0 * missing / expected if expected else 0.0

    ticks = [b - a for a, b in zip(before, after, strict=True)]
    sfu_cpu_s = ticks[0] / CLOCK_TICKS
    clients_cpu_s = sum(ticks[1:-3]) / CLOCK_TICKS
    machine_cpu_s, interrupts_s, steal_s = (t / CLOCK_TICKS for t in ticks[-3:])
    arrived = total("arrived")
    published = float(results[0]["published"])
    media = arrived - total("rtx_arrived")
    other = max(0.0, machine_cpu_s - sfu_cpu_s - clients_cpu_s - interrupts_s - steal_s) / window
    # A starved client takes its snapshots late: its own window (from its clock) then differs from ours.
    skew = max(abs(result["time"] - window) for result in results.values())
    return {
        # Something else used the machine (on 2 cores every number moves), or a client was starved,
        # or a client process was the limit.
        "noisy": other > NOISY_OTHER_CORES or skew > NOISY_SKEW * window,
        "client_window_skew_s": round(skew, 3),
        "client_limited": clients_cpu_s / window / len(results) > CLIENT_LIMIT_CORES,
        "window_s": round(window, 3),
        "clients": len(results),
        "incomplete_subscribers": incomplete,
        "forwarded_packets": int(arrived),
        "packets_per_s": round(arrived / window, 1),
        "mbit_per_s": round(total("bytes") * 8 / window / 1e6, 3),
        "sfu_cpu_s": round(sfu_cpu_s, 3),
        "packets_per_cpu_s": round(arrived / sfu_cpu_s, 1) if sfu_cpu_s else 0.0,
        "cores": {
            "sfu": round(sfu_cpu_s / window, 3),
            "clients": round(clients_cpu_s / window, 3),
            "other": round(other, 3),
            "interrupts": round(interrupts_s / window, 3),
            "steal": round(steal_s / window, 3),
        },
        "induced_loss_pct": round(100.0 * total("dropped") / arrived, 3) if arrived else 0.0,
        "residual_loss_pct": {"video": round(residual("video"), 4), "audio": round(residual("audio"), 4)},
        "delay_p50_ms": round(results[0]["delay_p50_ms"], 2),
        "delay_p99_ms": round(results[0]["delay_p99_ms"], 2),
        "delay_samples": results[0]["delays"],
        "nack_sent": int(total("nack")),
        "rtx_received": int(total("rtx")),
        "pli_sent": int(total("pli")),
        "fir_sent": int(total("fir")),
        "publisher_nack_received": int(total("publisher_nack")),
        "publisher_pli_received": int(total("publisher_pli")),
        "published_packets": int(published),
        "delivered_share": round(media / (published * scenario.subscribers), 4) if published else 0.0,
        # Delivery kept pace with publishing: no backlog built up or drained in the window (a backlog
        # makes packets per CPU-second incomparable: batches are cheaper).
        "steady": bool(published)
        and abs(media / (published * scenario.subscribers) - 1) <= STEADY_SHARE
        and results[0]["delay_p50_ms"] <= STEADY_P50_MS,
    }


# --- the report ----------------------------------------------------------------------------------
def ratios(rows: list[Row]) -> None:
    """Adds `x_baseline` (pkt/cpu-s over the baseline's in the same P, S, loss) to the engine's rows."""
    baseline = {
        (r.scenario.publishers, r.scenario.subscribers, r.scenario.loss): r.numbers.get(
            "packets_per_cpu_s", 0.0
        )
        for r in rows
        if r.scenario.path == "baseline" and r.numbers.get("steady") and not r.error
    }
    for row in rows:
        key = (row.scenario.publishers, row.scenario.subscribers, row.scenario.loss)
        if row.scenario.path == "engine" and not row.error and baseline.get(key):
            row.numbers["x_baseline"] = round(row.numbers["packets_per_cpu_s"] / baseline[key], 3)


def targets(rows: list[Row], engine: bool) -> dict[str, Any]:
    at = [
        r
        for r in rows
        if r.scenario.path == "engine"
        and r.scenario.subscribers == TARGET_S
        and r.numbers.get("steady")
        and not r.error
    ]
    lossy = [r for r in at if r.scenario.loss == TARGET_LOSS]
    if not engine:
        return {"evaluated": False, "why": "the SFU engine (services.media.sfu.engine) is absent"}
    if not at:
        return {"evaluated": False, "why": f"no engine row at S = {TARGET_S} completed steady"}
    best = max(r.numbers["packets_per_cpu_s"] for r in at)
    compared = [r.numbers["x_baseline"] for r in at if "x_baseline" in r.numbers]  # steady baselines only
    worst_ratio = min(compared) if compared else None
    worst_residual = max((r.numbers["residual_loss_pct"]["video"] for r in lossy), default=None)
    return {
        "evaluated": True,
        "packets_per_cpu_s": {
            "best": best,
            "target": TARGET_PKT_PER_CPU_S,
            "met": best >= TARGET_PKT_PER_CPU_S,
        },
        "x_baseline": {
            "worst": worst_ratio,
            "target": TARGET_RATIO,
            "met": worst_ratio >= TARGET_RATIO if worst_ratio is not None else None,
        },
        "residual_video_loss_at_3pct": {
            "worst_pct": worst_residual,
            "target_pct": 0.0,
            "met": worst_residual == 0.0 if worst_residual is not None else None,
        },
    }


def print_table(rows: list[Row]) -> None:
    header = (
        f"{'path':<9}{'P':>2}{'S':>4}{'loss':>6}{'pkt/s':>9}{'Mbit/s':>8}{'pkt/cpu-s':>11}{'x base':>7}"
        f"{'sfu':>6}{'clients':>8}{'other':>6}{'resid v':>8}{'resid a':>8}{'p50':>7}{'p99':>7}"
        f"{'nack':>6}{'rtx':>6}{'pli':>5}{'pli→pub':>8}{'deliv':>7}"
    )
    print(header)
    for row in rows:
        s = row.scenario
        numbers = row.numbers
        mark = "~" if not numbers.get("steady") else "*" if numbers.get("noisy") else " "
        mark = "!" if numbers.get("client_limited") else mark
        lead = f"{s.path + mark:<9}{s.publishers:>2}{s.subscribers:>4}{s.loss * 100:>5.0f}%"
        if row.error and not row.numbers:
            print(f"{lead}  FAILED: {row.error}")
            continue
        n = row.numbers
        print(
            f"{lead}{n['packets_per_s']:>9.0f}{n['mbit_per_s']:>8.1f}{n['packets_per_cpu_s']:>11.0f}"
            f"{_ratio(n):>7}{n['cores']['sfu']:>6.2f}{n['cores']['clients']:>8.2f}"
            f"{n['cores']['other']:>6.2f}{n['residual_loss_pct']['video']:>7.2f}%{n['residual_loss_pct']['audio']:>7.2f}%"
            f"{n['delay_p50_ms']:>7.1f}{n['delay_p99_ms']:>7.1f}{n['nack_sent']:>6}{n['rtx_received']:>6}"
            f"{n['pli_sent']:>5}{n['publisher_pli_received']:>8}{n['delivered_share']:>7.3f}"
        )
        if row.error:
            print(f"{'':>9}  ERROR: {row.error}")


def _ratio(numbers: dict[str, Any]) -> str:
    return f"{numbers['x_baseline']:.2f}" if "x_baseline" in numbers else "-"


def print_notes(rows: list[Row]) -> None:
    if any(r.numbers.get("noisy") for r in rows):
        print(
            f"* the rest of the machine used more than {NOISY_OTHER_CORES} core in the window, or a client "
            f"saw a window {NOISY_SKEW:.0%} off the SFU's (it was starved): a noisy row"
        )
    if any(not r.error and not r.numbers.get("steady") for r in rows):
        print(
            f"~ delivery drifted more than {STEADY_SHARE:.0%} from publishing, or the median delay passed "
            f"{STEADY_P50_MS:.0f} ms: a backlog, not a steady state (not used for the targets)"
        )
    if any(r.numbers.get("client_limited") for r in rows):
        print(f"! a client process used more than {CLIENT_LIMIT_CORES} core: the clients were the limit")


def print_targets(summary: dict[str, Any]) -> None:
    if not summary["evaluated"]:
        print(f"targets: not evaluated — {summary['why']}")
        return
    for name, item in summary.items():
        if isinstance(item, dict):
            print(f"target {name}: {json.dumps(item)}")


def numbers_list(text: str, kind: Callable[[str], Any]) -> list[Any]:
    return [kind(part) for part in text.split(",") if part.strip()]


async def run(args: argparse.Namespace) -> int:
    engine = engine_available()
    paths = [p for p in numbers_list(args.paths, str) if p in SFUS and (p != "engine" or engine)]
    rows: list[Row] = []
    for publishers in numbers_list(args.publishers, int):
        for subscribers in numbers_list(args.subscribers, int):
            for loss in numbers_list(args.losses, float):
                for path in paths:
                    row = await run_scenario(Scenario(path, publishers, subscribers, loss), args)
                    rows.append(row)
                    print(
                        f"# {path} P={publishers} S={subscribers} loss={loss:.0%}: "
                        f"{row.error or json.dumps(row.numbers)}",
                        file=sys.stderr,
                        flush=True,
                    )
    ratios(rows)
    summary = targets(rows, engine)
    if not engine:
        print("engine: absent (services.media.sfu.engine not importable) — the baseline only")
    print_table(rows)
    print_notes(rows)
    print_targets(summary)
    report = {
        "engine_available": engine,
        "seconds": args.seconds,
        "rows": [
            {
                "path": r.scenario.path,
                "publishers": r.scenario.publishers,
                "subscribers": r.scenario.subscribers,
                "loss": r.scenario.loss,
                "error": r.error,
                **r.numbers,
            }
            for r in rows
        ],
        "targets": summary,
    }
    print("BENCH " + json.dumps(report), flush=True)
    failed = any(r.error or not r.numbers.get("forwarded_packets") for r in rows)
    return 1 if failed or not rows else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--publishers", default="1,2", help="comma-separated publisher counts (P)")
    parser.add_argument("--subscribers", default="10,40,80", help="comma-separated subscriber counts (S)")
    parser.add_argument(
        "--losses", default="0,0.03", help="induced loss on each subscriber's leg, as fractions"
    )
    parser.add_argument("--paths", default="engine,baseline", help="which SFUs: engine, baseline")
    parser.add_argument("--seconds", type=float, default=10.0, help="the measured window of each run")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of traffic before the window")
    parser.add_argument("--drain", type=float, default=3.0, help="seconds for retransmissions after it")
    parser.add_argument(
        "--clients", type=int, default=0, help="client processes (0: one per 40 streams, ≤ 4)"
    )
    parser.add_argument(
        "--profile", metavar="PREFIX", help="cProfile the SFU process per window: PREFIX-<row>.prof"
    )
    parser.add_argument("--quick", action="store_true", help="a smoke run: P = 1, S = 2, 3 s windows")
    args = parser.parse_args()
    if args.quick:
        args.publishers, args.subscribers, args.seconds, args.warmup, args.drain = "1", "2", 3.0, 1.0, 1.0
    sys.exit(eventloop.run(run(args), eventloop.from_environment()))


if __name__ == "__main__":
    main()
