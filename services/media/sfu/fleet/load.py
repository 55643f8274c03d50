"""What this SFU process carries now, as the registry publishes it (`parta.media.v1.SfuLoad`): calls,
participants, published tracks, packets sent per second and CPU in cores over the last interval.

Counts come from the engine's sessions and the process's own Prometheus metrics (the forwarding path
already counts there, so nothing is added to it), read from those two metrics alone — never by
collecting the whole registry, whose size grows with every series the process has; CPU is the
delta of `time.process_time`."""

from __future__ import annotations

import time
from collections.abc import Callable

from prometheus_client.metrics import MetricWrapperBase

from parta.media.v1 import fleet_pb2
from services.media.sfu import metrics
from services.media.sfu.ports import Connection

Sessions = Callable[[], list[tuple[str, str, str, Connection]]]


def total(metric: MetricWrapperBase, sample: str) -> float:
    """The sum of `sample` over the metric's label values (one metric collected, not the registry)."""
    return sum(s.value for family in metric.collect() for s in family.samples if s.name == sample)


class LoadMeter:
    def __init__(
        self,
        sessions: Sessions,
        cpu_clock: Callable[[], float] = time.process_time,
        wall_clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sessions = sessions
        self._cpu_clock = cpu_clock
        self._wall_clock = wall_clock
        self._last = (wall_clock(), cpu_clock(), self._packets_out())

    def _packets_out(self) -> float:
        return total(metrics.PACKETS_OUT, "parta_sfu_packets_out_total")

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
            tracks=int(total(metrics.TRACKS, "parta_sfu_tracks")),
            packets_per_second=(packets - last_packets) / elapsed if elapsed > 0 else 0.0,
            cpu=(cpu - last_cpu) / elapsed if elapsed > 0 else 0.0,
        )
