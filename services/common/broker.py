"""The NATS connection: connect with retries, reconnect for ever, provision JetStream streams."""

from __future__ import annotations

import asyncio
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


async def ensure_streams(js: JetStreamContext, services: list[str]) -> None:
    """Create (or bring up to date) the stream of each publishing service; idempotent."""
    for service in services:
        config = stream_config(service)
        try:
            await js.add_stream(config)
        except BadRequestError:
            await js.update_stream(config)
