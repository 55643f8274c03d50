"""The SFU benchmark's load generator: one process of client peers (services/media/sfu/loadgen), driven
over a unix socket by the benchmark's SFU process, with JSON lines.

Client 0 holds the publishers (each replaying its own clip, so that no two publishers send equal
bytes) and a share of the subscribers; other clients hold only subscribers. The protocol:

    client → SFU: hello · publish {id, session, sdp, tracks} · subscribe {id, session} ·
                  answer {id, session, sdp} · ready {incomplete} · result {...}
    SFU → client: reply {id, sdp?, error?} · offer {session, sdp} (a re-offer) · subscribe-now ·
                  window {phase: start|end} · finish

Measured here (the SFU process measures its own CPU): RTP packets and bytes reaching the subscribers
in the window (RTX included, the packets the induced loss dropped included: the SFU sent them),
NACK / PLI / FIR the subscribers sent and RTX they got, what the publishers sent and the feedback
they got, residual loss per kind (sequence numbers of the window's span never received, directly or
by RTX, once a drain time has passed), and — on client 0, where the publishers are — the delay from
a publisher's send to a subscriber's receipt, packets matched by the last 16 bytes of their payload
(which the SFU does not touch; a retransmission is not timed).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from typing import Any

from services.common import eventloop
from services.media.sfu.loadgen import ClipSpec, Publisher, Subscriber, load_clip
from services.media.sfu.loadgen.packets import payload_bounds

READY_WITHIN_S = 60.0
CONCURRENT_SETUPS = 8
KEY_BYTES = 16
LINE_LIMIT = 1 << 22  # one JSON line may carry an SDP with many m-lines


def packet_key(data: bytes) -> bytes:
    _, end = payload_bounds(data)
    return data[end - KEY_BYTES : end]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class Clients:
    """This process's publishers and subscribers, and its end of the wire to the SFU process."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.index: int = args.client_index
        self.publishers: list[Publisher] = []
        self.subscribers: dict[str, Subscriber] = {}
        self.sent_at: dict[bytes, float] = {}
        self.delays_ms: list[float] = []
        self.timing = False
        self.replies: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.next_id = 0
        self.events: dict[str, asyncio.Event] = {
            name: asyncio.Event() for name in ("subscribe-now", "start", "end", "finish")
        }
        self.snapshots: dict[str, dict[str, Any]] = {}
        self.writer: asyncio.StreamWriter | None = None
        self.tasks: set[asyncio.Task[None]] = set()

    def log(self, text: str) -> None:
        print(f"# client {self.index}: {text}", file=sys.stderr, flush=True)

    # --- the wire ---------------------------------------------------------------------------------
    async def send(self, message: dict[str, Any]) -> None:
        assert self.writer is not None
        self.writer.write(json.dumps(message).encode() + b"\n")
        await self.writer.drain()

    async def request(self, message: dict[str, Any]) -> dict[str, Any]:
        self.next_id += 1
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.replies[self.next_id] = future
        await self.send({**message, "id": self.next_id})
        reply = await future
        if reply.get("error"):
            raise RuntimeError(f"{message['op']} refused: {reply['error']}")
        return reply

    async def read(self, reader: asyncio.StreamReader) -> None:
        while line := await reader.readline():
            message = json.loads(line)
            op = message["op"]
            if op == "reply":
                self.replies.pop(message["id"]).set_result(message)
            elif op == "offer":
                task = asyncio.create_task(self.reoffer(message["session"], message["sdp"]))
                self.tasks.add(task)
                task.add_done_callback(self.tasks.discard)
            elif op == "window":
                self.snapshots[message["phase"]] = self.snapshot()
                self.timing = message["phase"] == "start"
                self.events[message["phase"]].set()
            else:
                self.events[op].set()

    async def reoffer(self, session: str, sdp: str) -> None:
        answer = await self.subscribers[session].answer(sdp)
        await self.request({"op": "answer", "session": session, "sdp": answer})

    # --- the peers --------------------------------------------------------------------------------
    def on_publish(self, kind: str, data: bytes, is_rtx: bool) -> None:
        if not is_rtx:
            self.sent_at[packet_key(data)] = time.monotonic()

    def on_receive(self, kind: str, data: bytes, is_rtx: bool) -> None:
        if self.timing and not is_rtx:
            sent = self.sent_at.get(packet_key(data))
            if sent is not None:
                self.delays_ms.append((time.monotonic() - sent) * 1000)

    async def publish(self, number: int) -> None:
        clip = load_clip(ClipSpec(seed=13 + number))
        publisher = Publisher(clip, observer=self.on_publish)
        self.publishers.append(publisher)
        sdp = await publisher.offer()
        tracks = publisher.tracks_by_mid()
        reply = await self.request(
            {"op": "publish", "session": f"pub-{number}", "sdp": sdp, "tracks": tracks}
        )
        await publisher.accept(reply["sdp"])

    async def subscribe(self, session: str, number: int, gate: asyncio.Semaphore) -> None:
        async with gate:
            observer = self.on_receive if self.index == 0 else None
            subscriber = Subscriber(loss=self.args.loss, seed=1000 * self.index + number, observer=observer)
            self.subscribers[session] = subscriber
            reply = await self.request({"op": "subscribe", "session": session})
            answer = await subscriber.answer(reply["sdp"])
            await self.request({"op": "answer", "session": session, "sdp": answer})

    def incomplete(self) -> int:
        """Subscribers that do not receive every stream (2 per publisher) yet."""
        wanted = 2 * self.args.total_publishers
        return sum(
            1
            for subscriber in self.subscribers.values()
            if sum(1 for log in subscriber.stats.streams.values() if log.first is not None) < wanted
        )

    async def until_complete(self, within: float) -> None:
        """Waits (polling the counters the packets move) until every subscriber receives every stream."""
        for _ in range(int(within / 0.1)):
            if not self.incomplete():
                return
            await asyncio.sleep(0.1)  # the counters, not an event, say when

    def snapshot(self) -> dict[str, Any]:
        subs = list(self.subscribers.values())
        return {
            "time": time.monotonic(),
            "arrived": sum(s.stats.packets + s.stats.dropped for s in subs),
            "bytes": sum(s.stats.received_bytes for s in subs),
            "dropped": sum(s.stats.dropped for s in subs),
            "rtx": sum(s.stats.rtx for s in subs),
            "rtx_arrived": sum(s.stats.rtx + s.stats.dropped_rtx for s in subs),
            "nack": sum(s.stats.feedback.nack for s in subs),
            "pli": sum(s.stats.feedback.pli for s in subs),
            "fir": sum(s.stats.feedback.fir for s in subs),
            "highest": {
                f"{n}:{ssrc}": log.highest
                for n, s in enumerate(subs)
                for ssrc, log in s.stats.streams.items()
            },
            "published": sum(p.stats.packets for p in self.publishers),
            "published_rtx": sum(p.stats.rtx for p in self.publishers),
            "publisher_nack": sum(p.stats.feedback.nack for p in self.publishers),
            "publisher_pli": sum(p.stats.feedback.pli + p.stats.feedback.fir for p in self.publishers),
        }

    def residual(self) -> dict[str, dict[str, int]]:
        """Per kind: sequence numbers in the window's span, and those never received."""
        start, end = self.snapshots["start"]["highest"], self.snapshots["end"]["highest"]
        out = {"audio": {"expected": 0, "missing": 0}, "video": {"expected": 0, "missing": 0}}
        for n, subscriber in enumerate(self.subscribers.values()):
            for ssrc, log in subscriber.stats.streams.items():
                key = f"{n}:{ssrc}"
                if key not in start or key not in end:
                    continue
                kind = out[subscriber.stats.kinds[ssrc]]
                kind["expected"] += end[key] - start[key]
                kind["missing"] += log.missing_between(start[key], end[key])
        return out

    # --- the run ----------------------------------------------------------------------------------
    async def run(self) -> None:
        reader, self.writer = await asyncio.open_unix_connection(self.args.socket, limit=LINE_LIMIT)
        reading = asyncio.create_task(self.read(reader))
        try:
            await self.send({"op": "hello", "client": self.index})
            for number in range(self.args.publishers):
                await self.publish(number)
            await self.events["subscribe-now"].wait()
            gate = asyncio.Semaphore(CONCURRENT_SETUPS)
            first, count = self.args.first_subscriber, self.args.subscribers
            began = time.monotonic()
            await asyncio.gather(*(self.subscribe(f"sub-{n}", n, gate) for n in range(first, first + count)))
            negotiated = time.monotonic()
            await self.until_complete(READY_WITHIN_S)
            self.log(
                f"{count} subscribers negotiated in {negotiated - began:.1f} s, receiving every stream "
                f"{time.monotonic() - negotiated:.1f} s later ({self.incomplete()} not)"
            )
            await self.send({"op": "ready", "incomplete": self.incomplete()})
            await self.events["finish"].wait()
            await asyncio.sleep(self.args.drain)
            await self.send({"op": "result", **self.result()})
        finally:
            await asyncio.gather(*(p.close() for p in self.publishers), return_exceptions=True)
            await asyncio.gather(*(s.close() for s in self.subscribers.values()), return_exceptions=True)
            reading.cancel()
            self.writer.close()

    def result(self) -> dict[str, Any]:
        start, end = self.snapshots["start"], self.snapshots["end"]
        delta = {name: end[name] - start[name] for name in start if name != "highest"}
        return {
            **delta,
            "residual": self.residual(),
            "delays": len(self.delays_ms),
            "delay_p50_ms": percentile(self.delays_ms, 0.50),
            "delay_p99_ms": percentile(self.delays_ms, 0.99),
            # Peer connections not "connected" after the window (a publisher's closing ends its sending).
            "unconnected": [
                f"{kind} {name}: {pc.connectionState}"
                for kind, name, pc in [("publisher", f"pub-{n}", p.pc) for n, p in enumerate(self.publishers)]
                + [("subscriber", name, s.pc) for name, s in self.subscribers.items()]
                if pc.connectionState != "connected"
            ],
        }


def main() -> None:
    parser = argparse.ArgumentParser(
        description="The SFU benchmark's client peers (started by bench/sfu_forwarding.py)."
    )
    parser.add_argument("--socket", required=True, help="the SFU process's unix socket")
    parser.add_argument("--client-index", type=int, default=0)
    parser.add_argument("--publishers", type=int, default=0, help="publishers in this process")
    parser.add_argument("--total-publishers", type=int, default=1, help="publishers in the call")
    parser.add_argument("--first-subscriber", type=int, default=0)
    parser.add_argument("--subscribers", type=int, default=1, help="subscribers in this process")
    parser.add_argument("--loss", type=float, default=0.0, help="induced loss on each subscriber's leg")
    parser.add_argument(
        "--drain", type=float, default=3.0, help="seconds for retransmissions after the window"
    )
    eventloop.run(Clients(parser.parse_args()).run(), eventloop.from_environment())


if __name__ == "__main__":
    main()
