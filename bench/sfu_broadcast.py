"""A school-wide broadcast through Parta's SFU relay (issue 14): one presenter, V viewers, spread over
one origin process (where the presenter publishes) and E edge processes fed by the relay
(services/media/sfu/relay/), each SFU in its own OS process — what it costs and what it adds.

The traffic: the presenter replays the load generator's clip without encoding (VP8 640×360 at 25 fps,
≈0.6 Mbit/s, and Opus in 20 ms frames — ≈110 packets/s); every viewer is a receive-only aiortc peer
that never decodes (services/media/sfu/loadgen). The presenter and one timed viewer per SFU process
run in this process; the other viewers in viewer processes (this script with ``--role viewers``,
``--viewers-per-client`` each, default 20), all on 127.0.0.1 only. Each SFU process is this script
with ``--role sfu``: an ``SfuEngine`` driven over a unix socket with JSON lines (its ``Engine`` port:
open_session, negotiate, subscribe, serve_relay, open_relay — what the control plane would call over
gRPC).

Two rows by default, the same viewers on the origin in both, measured one after the other with fresh
processes:

- ``alone``  — the origin with its own ``--origin-viewers`` (default 10) and no edge: the baseline;
- ``relay``  — the same origin and viewers, plus ``--edges`` (default 2) edge processes with
  ``--edge-viewers`` (default 10) each, every edge fed by one relay leg from the origin;
- ``legs``   — the origin and its viewers as in ``alone``, plus ``--sink-legs`` (default 20) relay
  legs to sockets in this process that only count: the origin's cost of a leg, without the edges'
  processes competing for the cores.

For each row: setup, every viewer receiving both tracks, ``--warmup`` seconds, then a window of
``--seconds`` (each SFU process's CPU read from /proc/<pid>/stat; its RTP packets out from its own
``parta_sfu_packets_out_total``, relay legs included), then ``--drain`` seconds for retransmissions.

How to read it (per process): ``viewers``; ``pkt/s`` — RTP packets it sent in the window per second
(to viewers and, on the origin, to the relay legs); ``cores``; ``pkt/cpu-s``; ``viewers/core`` — the
viewers one core of it would carry at this per-packet cost (pkt/cpu-s over the packets one viewer
takes per second: an extrapolation from the measured cost, not a run to saturation). Per row: ``p50``
/ ``p99`` delay from the presenter's send to a viewer's receipt (packets matched by their payload's
last 16 bytes, which no SFU touches) for origin viewers and edge viewers — their difference is what a
relay hop adds; ``resid`` — residual video loss over every viewer (sequence numbers of the window's
span never received, directly or by RTX); ``deliv`` — media packets that reached the viewers over
(packets published × viewers); a row whose ``deliv`` is more than 5 % off 1 or with a viewer's peer
no longer connected is marked NOT STEADY: the viewer processes (aiortc receiving in Python costs far
more than the SFU's forwarding) set the pace, and its pkt/cpu-s is not comparable. The relay's cost:
the origin's CPU in ``legs`` (else ``relay``) minus in ``alone``, per leg, against the origin's CPU
per viewer in ``alone`` (the process's fixed cost included, so it flatters the leg: compare with a viewer's
marginal cost from two ``alone`` runs with different ``--origin-viewers``).

Measured on the 2-core development machine on 2026-12-03 while five other sessions ran tests (load
average 10–16): origin alone with 10 viewers 20–27k pkt/cpu-s, with 20 viewers 31k; 4 relay legs to
edges, and in another run 20 legs to counting sockets, added ≈0.0012 cores each to the origin (a
viewer's marginal cost ≈0.0015); an edge viewer's median delay
+0.6 ms over an origin viewer's (5.0 against 4.4 ms); residual video loss 0 %. Rows with 40 viewers on
one process were NOT STEADY there (the viewer processes fell behind; the SFUs used ≤ 0.10 cores).
docs/operations.md ("Sizing media") turns this into processes and cores. Read ratios in one run, not
the absolute numbers. Run ``python bench/sfu_broadcast.py`` (``--quick``: 3 + 2×3 viewers, 3 s windows).
The last line, ``BENCH {...}``, holds every number as JSON. Exit status 1 when a run failed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from services.common import eventloop

LINE_LIMIT = 1 << 22
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
CALL_ID = "bench-broadcast"
KEY_BYTES = 16
SETUP_WITHIN_S = 240.0  # a busy shared machine sets up peers slowly
CONCURRENT_SETUPS = 6
STEADY_SHARE = 0.05


class BenchError(Exception):
    """Something the benchmark needs did not happen."""


# --- the SFU process (--role sfu) ------------------------------------------------------------------
async def serve_sfu(socket_path: str) -> None:
    """One SFU engine behind a unix socket: JSON requests in, replies (and re-offers) out."""
    from prometheus_client import REGISTRY

    from services.media.sfu.engine import EngineOptions, SfuEngine
    from services.media.sfu.ports import (
        Connection,
        RelayCodec,
        RelayedTrack,
        RelayTracks,
        Role,
        Source,
        SubscriberOffer,
        TrackInfo,
    )

    writers: list[asyncio.StreamWriter] = []

    def push(message: dict[str, Any]) -> None:
        for writer in writers:
            writer.write(json.dumps(message).encode() + b"\n")

    class Listener:
        def subscriber_offer(
            self, call_id: str, session_id: str, user_id: str, offer: SubscriberOffer
        ) -> None:
            push({"op": "offer", "session": session_id, "sdp": offer.sdp})

        def active_speaker(self, call_id: str, user_id: str, session_id: str, recipients: Any) -> None:
            return None

        def muted(self, call_id: str, session_id: str, user_id: str, source: Source) -> None:
            return None

        def session_state(self, call_id: str, session_id: str, user_id: str, connection: Connection) -> None:
            return None

    engine = SfuEngine(
        Listener(), EngineOptions(host_addresses=("127.0.0.1",), allowed_networks=("127.0.0.0/8",))
    )

    def packets_out() -> float:
        return sum(
            REGISTRY.get_sample_value("parta_sfu_packets_out_total", {"kind": kind}) or 0.0
            for kind in ("audio", "video")
        )

    def relay_from(data: dict[str, Any]) -> RelayTracks:
        return RelayTracks(
            origin_address=data["origin_address"],
            tracks=tuple(
                RelayedTrack(
                    **{
                        **track,
                        "source": Source(track["source"]),
                        "codecs": tuple(
                            RelayCodec(**{**codec, "parameters": tuple(map(tuple, codec["parameters"]))})
                            for codec in track["codecs"]
                        ),
                    }
                )
                for track in data["tracks"]
            ),
        )

    async def handle(message: dict[str, Any]) -> dict[str, Any]:
        op = message["op"]
        if op == "open":
            await engine.open_session(CALL_ID, message["session"], message["session"], message["publish"])
            return {}
        if op == "publish":
            kinds = {"audio": Source.MICROPHONE, "video": Source.CAMERA}
            tracks = [TrackInfo(mid=mid, kind=kind, source=kinds[kind]) for mid, kind in message["tracks"]]
            answer = await engine.negotiate(
                CALL_ID, message["session"], Role.PUBLISHER, "offer", message["sdp"], tracks
            )
            return {"sdp": answer}
        if op == "subscribe":
            offer = await engine.subscribe(CALL_ID, message["session"])
            return {"sdp": offer.sdp}
        if op == "answer":
            await engine.negotiate(CALL_ID, message["session"], Role.SUBSCRIBER, "answer", message["sdp"], [])
            return {}
        if op == "relay_address":
            return {"address": engine.relay_address()}
        if op == "serve_relay":
            relay = await engine.serve_relay(CALL_ID, message["edge"])
            return {
                "relay": json.loads(json.dumps(dataclasses.asdict(relay), default=lambda value: value.value))
            }
        if op == "open_relay":
            return {"address": await engine.open_relay(CALL_ID, relay_from(message["relay"]))}
        if op == "stats":
            return {"packets_out": packets_out()}
        raise BenchError(f"unknown op {op}")

    async def connected(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        driver = not writers and not stop.is_set()
        writers.append(writer)
        while line := await reader.readline():
            message = json.loads(line)
            try:
                reply = await handle(message)
            except Exception as error:
                reply = {"error": f"{type(error).__name__}: {error}"}
            writer.write(json.dumps({"op": "reply", "id": message["id"], **reply}).encode() + b"\n")
        writers.remove(writer)
        if driver:
            stop.set()

    stop = asyncio.Event()
    server = await asyncio.start_unix_server(connected, socket_path, limit=LINE_LIMIT)
    print("ready", flush=True)
    await stop.wait()
    server.close()
    await engine.close()


# --- this process: the driver, the presenter and the viewers ----------------------------------------
class SfuProcess:
    """An SFU process and one end of its socket (the driver starts it; viewer processes connect)."""

    def __init__(self, name: str, directory: str) -> None:
        self.name = name
        self.socket = str(Path(directory) / f"{name}.sock")
        self.process: asyncio.subprocess.Process | None = None
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.replies: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.next_id = 0
        self.reoffer: Any = None  # (sfu, session, sdp) → awaitable
        self.tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, __file__, "--role", "sfu", "--socket", self.socket, stdout=asyncio.subprocess.PIPE
        )
        assert self.process.stdout is not None
        line = await asyncio.wait_for(self.process.stdout.readline(), 60)
        if line.strip() != b"ready":
            raise BenchError(f"{self.name} did not start")
        await self.connect()

    async def connect(self) -> None:
        self.reader, self.writer = await asyncio.open_unix_connection(self.socket, limit=LINE_LIMIT)
        self.tasks.add(asyncio.create_task(self._read()))

    async def _read(self) -> None:
        assert self.reader is not None
        while line := await self.reader.readline():
            message = json.loads(line)
            if message["op"] == "reply":
                self.replies.pop(message["id"]).set_result(message)
            elif message["op"] == "offer" and self.reoffer is not None:
                task = asyncio.create_task(self.reoffer(self, message["session"], message["sdp"]))
                self.tasks.add(task)
                task.add_done_callback(self.tasks.discard)

    async def call(self, op: str, **fields: Any) -> dict[str, Any]:
        assert self.writer is not None
        self.next_id += 1
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.replies[self.next_id] = future
        self.writer.write(json.dumps({"op": op, "id": self.next_id, **fields}).encode() + b"\n")
        reply = await asyncio.wait_for(future, SETUP_WITHIN_S)
        if reply.get("error"):
            raise BenchError(f"{self.name} {op}: {reply['error']}")
        return reply

    def ticks(self) -> int:
        assert self.process is not None
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime

    async def stop(self) -> None:
        if self.writer is not None:
            self.writer.close()
        if self.process is not None:
            try:
                await asyncio.wait_for(self.process.wait(), 10)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        for task in self.tasks:
            task.cancel()


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class Audience:
    """Viewers (receive-only, never decoding) on the SFU processes, set up over their sockets; their
    counters at the window's start and end, and the residual video loss over it. With `timed`, each
    receipt of a packet the presenter sent (in this process) is timed, by place (origin / edge)."""

    def __init__(self, sfus: dict[str, SfuProcess], sent_at: dict[bytes, float] | None = None) -> None:
        from services.media.sfu.loadgen.packets import payload_bounds

        self._bounds = payload_bounds
        self.sfus = sfus
        self.viewers: dict[str, tuple[str, Any]] = {}  # session → (SFU name, Subscriber)
        self.sent_at = sent_at
        self.delays: dict[str, list[float]] = {}
        self.timing = False
        self.marks: dict[str, dict[str, Any]] = {}
        for sfu in sfus.values():
            sfu.reoffer = self._reoffer

    def key(self, data: bytes) -> bytes:
        _, end = self._bounds(data)
        return data[end - KEY_BYTES : end]

    def published(self, kind: str, data: bytes, is_rtx: bool) -> None:
        if not is_rtx and self.sent_at is not None:
            self.sent_at[self.key(data)] = time.monotonic()

    def _observer(self, place: str) -> Any:
        delays = self.delays.setdefault(place, [])
        sent_at = self.sent_at

        def received(kind: str, data: bytes, is_rtx: bool) -> None:
            if self.timing and not is_rtx and sent_at is not None:
                sent = sent_at.get(self.key(data))
                if sent is not None:
                    delays.append((time.monotonic() - sent) * 1000)

        return received

    async def _reoffer(self, sfu: SfuProcess, session: str, sdp: str) -> None:
        if session in self.viewers:
            answer = await self.viewers[session][1].answer(sdp)
            await sfu.call("answer", session=session, sdp=answer)

    async def watch(self, plan: list[tuple[str, str]]) -> None:
        """(SFU name, session) for each viewer; returns once every one receives both tracks."""
        from services.media.sfu.loadgen import Subscriber

        gate = asyncio.Semaphore(CONCURRENT_SETUPS)

        async def one(name: str, session: str) -> None:
            async with gate:
                place = "origin" if name == "origin" else "edge"
                viewer = Subscriber(observer=self._observer(place) if self.sent_at is not None else None)
                self.viewers[session] = (name, viewer)
                sfu = self.sfus[name]
                await sfu.call("open", session=session, publish=False)
                offer = await sfu.call("subscribe", session=session)
                await sfu.call("answer", session=session, sdp=await viewer.answer(offer["sdp"]))

        await asyncio.gather(*(one(name, session) for name, session in plan))
        for _ in range(int(SETUP_WITHIN_S / 0.2)):
            if not self.incomplete():
                return
            await asyncio.sleep(0.2)  # the viewers' counters, not an event, say when
        raise BenchError(f"{self.incomplete()} viewers never received both tracks")

    def incomplete(self) -> int:
        return sum(
            1
            for _, viewer in self.viewers.values()
            if sum(1 for log in viewer.stats.streams.values() if log.first is not None) < 2
        )

    def mark(self, phase: str) -> None:
        self.timing = phase == "start"
        self.marks[phase] = {
            "arrived": sum(v.stats.packets for _, v in self.viewers.values()),
            "highest": {
                f"{session}:{ssrc}": log.highest
                for session, (_, v) in self.viewers.items()
                for ssrc, log in v.stats.streams.items()
                if v.stats.kinds[ssrc] == "video"
            },
        }

    def result(self) -> dict[str, Any]:
        start, end = self.marks["start"], self.marks["end"]
        expected = missing = 0
        for session, (_, viewer) in self.viewers.items():
            for ssrc, log in viewer.stats.streams.items():
                key = f"{session}:{ssrc}"
                if key in start["highest"] and key in end["highest"]:
                    expected += end["highest"][key] - start["highest"][key]
                    missing += log.missing_between(start["highest"][key], end["highest"][key])
        return {
            "arrived": end["arrived"] - start["arrived"],
            "expected": expected,
            "missing": missing,
            "viewers": len(self.viewers),
            "unconnected": sum(1 for _, v in self.viewers.values() if v.pc.connectionState != "connected"),
        }

    async def close(self) -> None:
        await asyncio.gather(*(v.close() for _, v in self.viewers.values()), return_exceptions=True)


# --- a viewer process (--role viewers) --------------------------------------------------------------
async def serve_viewers(args: argparse.Namespace) -> None:
    """Viewers on the SFU sockets in --socket-dir, as --plan says; then "start" / "end" / "result" /
    "quit" lines on stdin, a JSON line on stdout for each (after "ready")."""
    plan = [tuple(item.split("=", 1)) for item in args.plan.split(",")]
    names = sorted({name for name, _ in plan})
    sfus = {name: SfuProcess(name, args.socket_dir) for name in names}
    for sfu in sfus.values():
        await sfu.connect()
    audience = Audience(sfus)
    try:
        began = time.monotonic()
        await audience.watch([(name, session) for name, session in plan])
        print(f"# {len(plan)} viewers receiving after {time.monotonic() - began:.1f} s", file=sys.stderr)
        print(json.dumps({"op": "ready"}), flush=True)
        while line := (await asyncio.to_thread(sys.stdin.readline)).strip():
            if line == "quit":
                break
            if line == "result":
                print(json.dumps(audience.result()), flush=True)
            else:
                audience.mark(line)
                print(json.dumps({"op": line}), flush=True)
    finally:
        await audience.close()
        for sfu in sfus.values():
            await sfu.stop()


class ViewerProcess:
    def __init__(self, directory: str, plan: list[tuple[str, str]]) -> None:
        self.directory = directory
        self.plan = plan
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            __file__,
            "--role",
            "viewers",
            "--socket-dir",
            self.directory,
            "--plan",
            ",".join(f"{name}={session}" for name, session in self.plan),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=LINE_LIMIT,
        )
        await self.line(SETUP_WITHIN_S + 30)

    async def line(self, within: float = 30.0) -> dict[str, Any]:
        assert self.process is not None
        assert self.process.stdout is not None
        raw = await asyncio.wait_for(self.process.stdout.readline(), within)
        if not raw:
            raise BenchError("a viewer process ended early")
        reply: dict[str, Any] = json.loads(raw)
        return reply

    async def ask(self, command: str) -> dict[str, Any]:
        assert self.process is not None
        assert self.process.stdin is not None
        self.process.stdin.write(command.encode() + b"\n")
        return await self.line()

    async def stop(self) -> None:
        if self.process is None:
            return
        with contextlib.suppress(Exception):
            assert self.process.stdin is not None
            self.process.stdin.write(b"quit\n")
        try:
            await asyncio.wait_for(self.process.wait(), 20)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()


class Sink(asyncio.DatagramProtocol):
    """A relay leg's far end that only counts (what the origin's cost of a leg is measured against)."""

    def __init__(self) -> None:
        self.transport: asyncio.DatagramTransport | None = None
        self.packets = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self.packets += 1

    def address(self) -> str:
        assert self.transport is not None
        host, port = self.transport.get_extra_info("sockname")[:2]
        return f"{host}:{port}"

    @classmethod
    async def open(cls) -> Sink:
        sink = cls()
        await asyncio.get_running_loop().create_datagram_endpoint(lambda: sink, local_addr=("127.0.0.1", 0))
        return sink


async def run_row(name: str, edges: int, args: argparse.Namespace, sinks: int = 0) -> dict[str, Any]:
    from services.media.sfu.loadgen import Publisher, load_clip

    sink_legs: list[Sink] = []

    with tempfile.TemporaryDirectory(prefix="parta-broadcast-") as directory:
        processes = [SfuProcess("origin", directory)] + [
            SfuProcess(f"edge{n}", directory) for n in range(edges)
        ]
        sfus = {sfu.name: sfu for sfu in processes}
        # The presenter and one timed viewer per SFU process here; the other viewers in viewer processes.
        probes = Audience(sfus, sent_at={})
        publisher = Publisher(load_clip(), observer=probes.published)
        crowds: list[ViewerProcess] = []
        try:
            await asyncio.gather(*(sfu.start() for sfu in processes))
            origin = processes[0]
            await origin.call("open", session="presenter", publish=True)
            sdp = await publisher.offer()
            reply = await origin.call(
                "publish", session="presenter", sdp=sdp, tracks=publisher.tracks_by_mid()
            )
            await publisher.accept(reply["sdp"])

            async def serve(address: str) -> dict[str, Any]:
                for _ in range(int(SETUP_WITHIN_S / 0.2)):
                    relay: dict[str, Any] = (await origin.call("serve_relay", edge=address))["relay"]
                    if len(relay["tracks"]) == 2:
                        return relay
                    # The publisher's tracks negotiate: polled, as a control plane would.
                    await asyncio.sleep(0.2)
                raise BenchError("the presenter's tracks never became relayable")

            for edge in processes[1:]:
                relay = await serve((await edge.call("relay_address"))["address"])
                await edge.call("open_relay", relay=relay)
            for _ in range(sinks):
                sink_legs.append(await Sink.open())
                await serve(sink_legs[-1].address())
            await probes.watch([(sfu.name, f"{sfu.name}-probe") for sfu in processes])
            crowd = [(origin.name, f"origin-v{n}") for n in range(args.origin_viewers - 1)] + [
                (edge.name, f"{edge.name}-v{n}")
                for edge in processes[1:]
                for n in range(args.edge_viewers - 1)
            ]
            for first in range(0, len(crowd), args.viewers_per_client):
                crowds.append(ViewerProcess(directory, crowd[first : first + args.viewers_per_client]))
            await asyncio.gather(*(c.start() for c in crowds))
            await asyncio.sleep(args.warmup)

            async def snapshot(phase: str) -> dict[str, Any]:
                stats = [await sfu.call("stats") for sfu in processes]
                if phase in ("start", "end"):
                    probes.mark(phase)
                    await asyncio.gather(*(c.ask(phase) for c in crowds))
                return {
                    "time": time.monotonic(),
                    "ticks": {sfu.name: sfu.ticks() for sfu in processes},
                    "out": {
                        sfu.name: stat["packets_out"] for sfu, stat in zip(processes, stats, strict=True)
                    },
                    "published": publisher.stats.packets,
                }

            start = await snapshot("start")
            await asyncio.sleep(args.seconds)
            end = await snapshot("end")
            await asyncio.sleep(args.drain)
            # Read again after the drain: the rooms add their counters to the metrics once a second.
            late = await snapshot("late")
            results = [probes.result(), *list(await asyncio.gather(*(c.ask("result") for c in crowds)))]
        finally:
            for sink in sink_legs:
                if sink.transport is not None:
                    sink.transport.close()
            await asyncio.gather(*(c.stop() for c in crowds), return_exceptions=True)
            await publisher.close()
            await probes.close()
            await asyncio.gather(*(sfu.stop() for sfu in processes), return_exceptions=True)

    seconds = end["time"] - start["time"]
    per_viewer = (end["published"] - start["published"]) / seconds
    counts = {sfu.name: sum(1 for n, _ in crowd if n == sfu.name) + 1 for sfu in processes}
    rows = []
    for sfu in processes:
        cores = (end["ticks"][sfu.name] - start["ticks"][sfu.name]) / CLOCK_TICKS / seconds
        # packets_out lags by up to a report interval: the rate is taken up to the later read.
        out = (late["out"][sfu.name] - start["out"][sfu.name]) / (late["time"] - start["time"])
        per_cpu = out / cores if cores > 0 else 0.0
        rows.append(
            {
                "process": sfu.name,
                "viewers": counts[sfu.name],
                "pkt_s": out,
                "cores": cores,
                "pkt_per_cpu_s": per_cpu,
                "viewers_per_core": per_cpu / per_viewer if per_viewer else 0.0,
            }
        )
    published = end["published"] - start["published"]
    viewers = sum(r["viewers"] for r in results)
    expected = sum(r["expected"] for r in results)
    return {
        "row": name,
        "edges": edges,
        "processes": rows,
        "published_pkt_s": per_viewer,
        "delay_ms": {
            place: {"p50": percentile(values, 0.5), "p99": percentile(values, 0.99), "n": len(values)}
            for place, values in probes.delays.items()
        },
        "residual_video": sum(r["missing"] for r in results) / expected if expected else 0.0,
        "deliv": sum(r["arrived"] for r in results) / (published * viewers) if published else 0.0,
        "unconnected": sum(r["unconnected"] for r in results),
        "sink_legs": sinks,
        "steady": False,
    } | steadiness(sum(r["arrived"] for r in results), published * viewers, results)


def steadiness(arrived: int, wanted: int, results: list[dict[str, Any]]) -> dict[str, bool]:
    """Steady: the viewers got what was sent (±5 %) and every peer is still connected — otherwise the
    viewer processes, not the SFUs, set the pace and the row's pkt/cpu-s is not comparable."""
    unconnected = sum(r["unconnected"] for r in results)
    return {"steady": bool(wanted) and abs(arrived / wanted - 1) <= STEADY_SHARE and not unconnected}


def print_row(row: dict[str, Any]) -> None:
    mark = "" if row["steady"] else "  ~ NOT STEADY: the viewer processes set the pace, do not read pkt/cpu-s"
    legs = f" + {row['sink_legs']} relay legs to counting sockets" if row["sink_legs"] else ""
    print(
        f"\n{row['row']}: 1 origin + {row['edges']} edges{legs}, presenter {row['published_pkt_s']:.0f} pkt/s"
    )
    if mark:
        print(mark)
    print(f"  {'process':<8} {'viewers':>7} {'pkt/s':>8} {'cores':>6} {'pkt/cpu-s':>10} {'viewers/core':>12}")
    for p in row["processes"]:
        print(
            f"  {p['process']:<8} {p['viewers']:>7} {p['pkt_s']:>8.0f} {p['cores']:>6.3f} "
            f"{p['pkt_per_cpu_s']:>10.0f} {p['viewers_per_core']:>12.0f}"
        )
    delays = "  ".join(
        f"{place} p50 {d['p50']:.1f} ms p99 {d['p99']:.1f} ms" for place, d in sorted(row["delay_ms"].items())
    )
    print(f"  delay: {delays}")
    print(
        f"  residual video loss {100 * row['residual_video']:.3f} %, deliv {row['deliv']:.3f}, "
        f"peers not connected at the end {row['unconnected']}"
    )


def summarise(alone: dict[str, Any], relay: dict[str, Any], legs: dict[str, Any] | None) -> dict[str, Any]:
    origin_alone = alone["processes"][0]
    origin_relay = relay["processes"][0]
    per_viewer = origin_alone["cores"] / max(1, origin_alone["viewers"])
    if legs is not None and legs["sink_legs"]:
        per_leg = (legs["processes"][0]["cores"] - origin_alone["cores"]) / legs["sink_legs"]
    else:
        per_leg = (origin_relay["cores"] - origin_alone["cores"]) / max(1, relay["edges"])
    delays = relay["delay_ms"]
    added = (
        delays["edge"]["p50"] - delays["origin"]["p50"] if "edge" in delays and "origin" in delays else None
    )
    return {
        "origin_cores_per_viewer": per_viewer,
        "origin_cores_per_relay_leg": per_leg,
        "relay_leg_in_viewers": per_leg / per_viewer if per_viewer > 0 else None,
        "edge_added_delay_p50_ms": added,
    }


async def run(args: argparse.Namespace) -> int:
    alone = await run_row("alone", 0, args)
    print_row(alone)
    relay = await run_row("relay", args.edges, args)
    print_row(relay)
    legs = None
    if args.sink_legs:
        legs = await run_row("legs", 0, args, sinks=args.sink_legs)
        print_row(legs)
    summary = summarise(alone, relay, legs)
    print(
        f"\nrelay cost: a relay leg costs the origin {summary['origin_cores_per_relay_leg']:.3f} cores "
        f"(a viewer {summary['origin_cores_per_viewer']:.4f}; a leg ≈ "
        f"{summary['relay_leg_in_viewers'] or 0:.1f} viewers); an edge viewer's added delay (p50) "
        f"{summary['edge_added_delay_p50_ms'] or 0:.1f} ms"
    )
    rows = [alone, relay] + ([legs] if legs is not None else [])
    print("BENCH " + json.dumps({"rows": rows, "summary": summary}))
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--role", choices=("driver", "sfu", "viewers"), default="driver")
    parser.add_argument("--socket", help="(--role sfu) the unix socket to serve on")
    parser.add_argument("--socket-dir", help="(--role viewers) where the SFU sockets are")
    parser.add_argument("--plan", help="(--role viewers) sfu=session,... of the viewers to hold")
    parser.add_argument("--viewers-per-client", type=int, default=20, help="viewers per viewer process")
    parser.add_argument("--edges", type=int, default=2)
    parser.add_argument(
        "--sink-legs",
        type=int,
        default=20,
        help="relay legs to counting sockets in the 'legs' row (0: no row)",
    )
    parser.add_argument("--origin-viewers", type=int, default=10)
    parser.add_argument("--edge-viewers", type=int, default=10)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--drain", type=float, default=2.0)
    parser.add_argument("--quick", action="store_true", help="3 + 2×3 viewers, 3 s windows")
    args = parser.parse_args()
    if args.role == "sfu":
        eventloop.run(serve_sfu(args.socket), eventloop.from_environment())
        return
    if args.role == "viewers":
        eventloop.run(serve_viewers(args), eventloop.from_environment())
        return
    if args.quick:
        args.origin_viewers, args.edge_viewers, args.seconds, args.warmup = 3, 3, 3.0, 2.0
    try:
        code = eventloop.run(run(args), eventloop.from_environment())
    except BenchError as error:
        print(f"ERROR {error}", file=sys.stderr)
        code = 1
    with contextlib.suppress(Exception):
        sys.stdout.flush()
    sys.exit(code)


if __name__ == "__main__":
    main()
