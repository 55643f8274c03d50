"""The NATS connection: connect with retries, reconnect for ever, know when the server has what was
sent (`settled`), provision JetStream streams."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Sequence

import nats
from nats.aio.client import Client as NATS
from nats.errors import NoServersError
from nats.js import JetStreamContext
from nats.js.errors import BadRequestError

from services.common.events import stream_config
from services.common.logging import get_logger

log = get_logger(__name__)


async def connect_nats(
    url: str,
    *,
    name: str,
    connect_deadline: float = 30.0,
    on_reconnect: Sequence[Callable[[], Awaitable[None]]] = (),
) -> NATS:
    """Connect to NATS, retrying the first connection until the deadline; later outages reconnect
    (and `on_reconnect` hooks run, e.g. to drop caches kept fresh by core-NATS messages)."""

    async def on_disconnected() -> None:
        log.warning("nats.disconnected")

    async def on_reconnected() -> None:
        log.info("nats.reconnected")
        for hook in on_reconnect:
            await hook()

    async def on_error(error: Exception) -> None:
        log.debug("nats.error", error=str(error))

    deadline = time.monotonic() + connect_deadline
    delay = 0.1
    while True:
        try:
            return await nats.connect(
                servers=[url],
                name=name,
                allow_reconnect=True,
                max_reconnect_attempts=-1,
                reconnect_time_wait=0.5,
                connect_timeout=2,
                disconnected_cb=on_disconnected,
                reconnected_cb=on_reconnected,
                error_cb=on_error,
            )
        except (NoServersError, OSError, TimeoutError) as error:
            if time.monotonic() > deadline:
                raise
            log.warning("nats.connect_retry", url=url, error=str(error))
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)


async def settled(nc: NATS, within: float = 5.0) -> None:
    """Returns once the server has processed everything this connection sent before (a subscription
    made before it is in place); raises TimeoutError after `within` seconds. Safe to cancel and to
    time out.

    Use it instead of the client's flush: nats.py's flush (2.16) leaves a cancelled PONG future
    behind when its caller is cancelled or times out, and when that PONG arrives its read loop dies
    on InvalidStateError, so the connection silently receives nothing more. A message to an inbox of
    our own makes the same round trip through the server (which handles a connection's commands in
    order) with only a queue to wait on."""
    inbox = nc.new_inbox()
    sub = await nc.subscribe(inbox, max_msgs=1)
    try:
        await nc.publish(inbox, b"")
        await sub.next_msg(timeout=within)
    finally:
        with contextlib.suppress(Exception):
            await sub.unsubscribe()


async def ensure_streams(js: JetStreamContext, services: list[str]) -> None:
    """Create (or bring up to date) the stream of each publishing service; idempotent."""
    for service in services:
        config = stream_config(service)
        try:
            await js.add_stream(config)
        except BadRequestError:
            await js.update_stream(config)
