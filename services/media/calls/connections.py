"""Follows the media connections of the call sessions on each SFU process (its `WatchSessions`
stream: every open session first, then each change) and makes a session whose connection is gone
leave its call with reason DISCONNECTED: at once when the SFU closed it, after a grace period
(PARTA_SESSION_GRACE_SECONDS, 30 s by default) when it is LOST — a client that reconnects in time
(a new peer connection, same session: CONNECTED again) keeps its place. A session admitted but never
connected (NEW) leaves after PARTA_SESSION_CONNECT_SECONDS (120 s by default) unless it connects.

A broken stream is opened again with backoff; its snapshot then brings what was missed. Each time
the stream is opened, every session the database has open on that SFU is suspect — as if LOST —
until the SFU vouches for it (its snapshot): a session the SFU no longer holds (the SFU restarted, a
close it missed) leaves after the grace, and a call whose SFU died does not stay in progress for ever."""

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
OpenOn = Callable[[str], Awaitable[list[tuple[str, str]]]]  # SFU address → (call_id, session_id)
BACKOFF_FIRST = 0.2
BACKOFF_MAX = 5.0


class ConnectionWatch:
    def __init__(
        self,
        placement: Placement,
        gone: Gone,
        open_on: OpenOn,
        *,
        grace_seconds: float,
        connect_seconds: float | None = None,
    ) -> None:
        self._placement = placement
        self._gone = gone
        self._open_on = open_on
        self._grace = grace_seconds
        self._connect = grace_seconds if connect_seconds is None else connect_seconds
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
                self.suspect(await self._open_on(address))
                async for state in stream:
                    backoff = BACKOFF_FIRST
                    self.seen(state)
            except grpc.aio.AioRpcError as error:
                log.info("watch_sessions.broken", sfu=address, code=error.code().name)
            except Exception as error:  # the database away: try again, as for a broken stream
                log.warning("watch_sessions.failed", sfu=address, error=str(error))
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, BACKOFF_MAX)

    def suspect(self, sessions: list[tuple[str, str]], within: float | None = None) -> None:
        """Sessions the SFU must vouch for within `within` seconds (the grace by default), or they leave."""
        for call_id, session_id in sessions:
            if session_id not in self._timers:
                self._timers[session_id] = self._tasks.spawn(
                    self._after(within if within is not None else self._grace, call_id, session_id),
                    name=f"grace-{session_id}",
                )

    def seen(self, state: sfu_pb2.SessionState) -> None:
        session = state.session_id
        if state.connection == sfu_pb2.MEDIA_CONNECTION_LOST:
            self.suspect([(state.call_id, session)])
            return
        if state.connection == sfu_pb2.MEDIA_CONNECTION_NEW:
            # Admitted, never connected yet: a page closed before it connected must not stay in the
            # call as a ghost (its time to connect covers a camera permission prompt).
            self.suspect([(state.call_id, session)], within=self._connect)
            return
        timer = self._timers.pop(session, None)
        if timer is not None:
            timer.cancel()
        if state.connection == sfu_pb2.MEDIA_CONNECTION_CLOSED:
            self._tasks.spawn(self._leave(state.call_id, session), name=f"closed-{session}")

    async def _after(self, seconds: float, call_id: str, session_id: str) -> None:
        await asyncio.sleep(seconds)
        self._timers.pop(session_id, None)
        await self._leave(call_id, session_id)

    async def _leave(self, call_id: str, session_id: str) -> None:
        try:
            await self._gone(call_id, session_id)
        except PartaError as error:  # a call already over, an unknown session: nothing to do
            log.info(
                "watch_sessions.leave_skipped", call_id=call_id, session_id=session_id, reason=error.message
            )
