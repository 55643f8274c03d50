"""Follows the media connections of the call sessions on each SFU process (its `WatchSessions`
stream: every open session first, then each change) and makes a session whose connection is gone
leave its call with reason DISCONNECTED: at once when the SFU closed it, after a grace period
(PARTA_SESSION_GRACE_SECONDS, 30 s by default) when it is LOST — a client that reconnects in time
(a new peer connection, same session: CONNECTED again) keeps its place. A broken stream is opened
again with backoff; its snapshot then brings what was missed."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import grpc

from parta.media.v1 import sfu_pb2
from services.common.errors import PartaError
from services.common.logging import get_logger
from services.common.tasks import TaskSpawner
from services.media.placement.parts import Placement

log = get_logger(__name__)

Gone = Callable[[str, str], Awaitable[None]]  # (call_id, session_id)
BACKOFF_FIRST = 0.2
BACKOFF_MAX = 5.0


class ConnectionWatch:
    def __init__(self, placement: Placement, gone: Gone, *, grace_seconds: float) -> None:
        self._placement = placement
        self._gone = gone
        self._grace = grace_seconds
        self._tasks = TaskSpawner("media-connections")
        self._timers: dict[str, asyncio.Task[None]] = {}

    def start(self) -> None:
        for address in self._placement.addresses():
            self._tasks.spawn(self._follow(address), name=f"watch-sessions-{address}")

    async def stop(self) -> None:
        await self._tasks.close()
        self._timers.clear()

    @property
    def waiting(self) -> set[str]:
        """Sessions lost and within their grace now."""
        return set(self._timers)

    async def _follow(self, address: str) -> None:
        backoff = BACKOFF_FIRST
        while True:
            try:
                stream = self._placement.sfu(address).WatchSessions(sfu_pb2.WatchSessionsRequest())
                async for state in stream:
                    backoff = BACKOFF_FIRST
                    self.seen(state)
            except grpc.aio.AioRpcError as error:
                log.info("watch_sessions.broken", sfu=address, code=error.code().name)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, BACKOFF_MAX)

    def seen(self, state: sfu_pb2.SessionState) -> None:
        session = state.session_id
        if state.connection == sfu_pb2.MEDIA_CONNECTION_LOST:
            if session not in self._timers:
                self._timers[session] = self._tasks.spawn(
                    self._after_grace(state.call_id, session), name=f"grace-{session}"
                )
            return
        timer = self._timers.pop(session, None)
        if timer is not None:
            timer.cancel()
        if state.connection == sfu_pb2.MEDIA_CONNECTION_CLOSED:
            self._tasks.spawn(self._leave(state.call_id, session), name=f"closed-{session}")

    async def _after_grace(self, call_id: str, session_id: str) -> None:
        await asyncio.sleep(self._grace)
        self._timers.pop(session_id, None)
        await self._leave(call_id, session_id)

    async def _leave(self, call_id: str, session_id: str) -> None:
        try:
            await self._gone(call_id, session_id)
        except PartaError as error:  # a call already over, an unknown session: nothing to do
            log.info(
                "watch_sessions.leave_skipped", call_id=call_id, session_id=session_id, reason=error.message
            )
