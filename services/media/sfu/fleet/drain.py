"""The drain of one SFU process: SIGTERM or the `Drain` RPC turn it DRAINING (in the registry and
the metric `parta_sfu_draining`); it then takes no new call — a session of a call it already holds
is still admitted — keeps its calls until they end, and once it holds none it is done (the process
exits). At `deadline` (PARTA_SFU_DRAIN_SECONDS after the drain began) the control plane moves the
remaining participants elsewhere, which empties it too."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from prometheus_client import Gauge

from services.common.logging import get_logger

log = get_logger(__name__)

DRAINING = Gauge("parta_sfu_draining", "1 while this SFU process is draining (takes no new call), else 0")
NEW_CALL_REFUSED = "Этот медиасервер уходит на обслуживание и не принимает новые звонки"


class Drain:
    def __init__(self, drain_seconds: float, clock: Callable[[], float] = time.time) -> None:
        self._seconds = drain_seconds
        self._clock = clock
        self.deadline: datetime | None = None
        self.done = asyncio.Event()
        DRAINING.set(0)

    @property
    def draining(self) -> bool:
        return self.deadline is not None

    def begin(self) -> None:
        """DRAINING from now on (again: nothing changes, the first deadline stands)."""
        if self.deadline is not None:
            return
        self.deadline = datetime.fromtimestamp(self._clock(), UTC) + timedelta(seconds=self._seconds)
        DRAINING.set(1)
        log.info("sfu.draining", deadline=self.deadline.isoformat())

    def admits(self, call_id: str, held: set[str]) -> bool:
        """Whether a session of `call_id` may open here: always while serving; while draining only
        for a call this process already holds."""
        return not self.draining or call_id in held

    def check_done(self, held: set[str]) -> bool:
        """Draining and no call left: the process is done (sets `done`)."""
        if self.draining and not held and not self.done.is_set():
            log.info("sfu.drained")
            self.done.set()
        return self.done.is_set()
