"""What this SFU process carries now, as the registry publishes it (`parta.media.v1.SfuLoad`): calls,
participants, published tracks, packets sent per second and CPU in cores over the last interval.

Counts come from the engine's sessions and the process's own Prometheus metrics (the forwarding path
already counts there, so nothing is added to it); CPU is the delta of `time.process_time`."""

from __future__ import annotations

import time
from collections.abc import Callable

from prometheus_client import REGISTRY, CollectorRegistry

from parta.media.v1 import fleet_pb2
from services.media.sfu.ports import Connection

Sessions = Callable[[], list[tuple[str, str, str, Connection]]]
KINDS = ("audio", "video")


class LoadMeter:
    def __init__(
        self,
        sessions: Sessions,
        registry: CollectorRegistry = REGISTRY,
        cpu_clock: Callable[[], float] = time.process_time,
        wall_clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sessions = sessions
        self._registry = registry
        self._cpu_clock = cpu_clock
        self._wall_clock = wall_clock
        self._last = (wall_clock(), cpu_clock(), self._packets_out())

    def _sample(self, name: str, kind: str) -> float:
        return self._registry.get_sample_value(name, {"kind": kind}) or 0.0

    def _packets_out(self) -> float:
        return sum(self._sample("parta_sfu_packets_out_total", kind) for kind in KINDS)

    def calls(self) -> set[str]:
        """The calls this process holds now."""
        return {call_id for call_id, *_ in self._sessions()}

    def sample(self) -> fleet_pb2.SfuLoad:
        """The load now; rates over the time since the previous sample."""
        sessions = self._sessions()
        now, cpu, packets = self._wall_clock(), self._cpu_clock(), self._packets_out()
        last_now, last_cpu, last_packets = self._last
        self._last = (now, cpu, packets)
        elapsed = now - last_now
        return fleet_pb2.SfuLoad(
            calls=len({call_id for call_id, *_ in sessions}),
            participants=len(sessions),
            tracks=int(sum(self._sample("parta_sfu_tracks", kind) for kind in KINDS)),
            packets_per_second=(packets - last_packets) / elapsed if elapsed > 0 else 0.0,
            cpu=(cpu - last_cpu) / elapsed if elapsed > 0 else 0.0,
        )
