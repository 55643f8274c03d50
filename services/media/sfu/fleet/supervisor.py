"""`parta-sfu serve --processes auto|N` with N > 1: the node's SFU processes, one per core (each its
own gRPC and metrics port and UDP slice, each registered in the fleet on its own: `serve --one i`).

It restarts none: a process that dies is a lost member of the fleet (its calls are placed again), and
Kubernetes restarts the pod. SIGTERM and SIGINT go to every process (SIGTERM drains them); it exits
once all have exited, with the worst exit code."""

from __future__ import annotations

import asyncio
import os
import signal
import sys

from services.common.logging import get_logger

log = get_logger(__name__)


def process_argv(index: int) -> list[str]:
    return [sys.executable, "-m", "services.media.sfu.main", "serve", "--one", str(index)]


async def supervise(count: int) -> int:
    env = {**os.environ, "PARTA_SFU_PROCESSES": str(count)}
    children = [await asyncio.create_subprocess_exec(*process_argv(i), env=env) for i in range(count)]
    log.info("sfu.supervising", processes=count, pids=[child.pid for child in children])

    def forward(sig: signal.Signals) -> None:
        for child in children:
            if child.returncode is None:
                child.send_signal(sig)

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, forward, sig)
    codes = await asyncio.gather(*(child.wait() for child in children))
    log.info("sfu.processes_exited", codes=codes)
    return max((abs(code) for code in codes), default=0)
