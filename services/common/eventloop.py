"""The event loop every Parta process runs on.

uvloop (asyncio's loop on libuv) by default: it is a drop-in asyncio loop, and on the message path
it cut the servers' CPU per message by about a quarter (bench/messaging_fanout.py: peak 140 → 194
msg/s on the same machine). grpc.aio, asyncpg, nats.py and uvicorn all run on it.
`PARTA_EVENT_LOOP=asyncio` falls back to the standard library's loop (for a platform without
uvloop's wheels, or to rule the loop out when chasing a bug)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Coroutine
from typing import Any, Literal, TypeVar

T = TypeVar("T")

EventLoopName = Literal["uvloop", "asyncio"]


def from_environment() -> EventLoopName:
    """PARTA_EVENT_LOOP for a process that reads no service settings (the devstack supervisor)."""
    value = os.environ.get("PARTA_EVENT_LOOP", "uvloop").strip().lower() or "uvloop"
    if value not in ("uvloop", "asyncio"):
        raise SystemExit(f"PARTA_EVENT_LOOP: expected uvloop or asyncio, got {value!r}")
    return "asyncio" if value == "asyncio" else "uvloop"


def loop_factory(name: EventLoopName = "uvloop") -> Callable[[], asyncio.AbstractEventLoop]:
    if name == "asyncio":
        return asyncio.new_event_loop
    import uvloop

    return uvloop.new_event_loop


def run(main: Coroutine[Any, Any, T], loop: EventLoopName = "uvloop") -> T:
    """`asyncio.run(main)` on the chosen loop."""
    with asyncio.Runner(loop_factory=loop_factory(loop)) as runner:
        return runner.run(main)
