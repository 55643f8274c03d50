"""Follows the media connections of the call sessions on each SFU process (its `WatchSessions`
stream: every open session first, then each change) and makes a session whose connection is gone
leave its call with reason DISCONNECTED: at once when the SFU closed it, after a grace period
(PARTA_SESSION_GRACE_SECONDS, 30 s by default) when it is LOST — a client that reconnects in time
(a new peer connection, same session: CONNECTED again) keeps its place. A session admitted but never
connected (NEW) leaves after PARTA_SESSION_CONNECT_SECONDS (120 s by default) unless it connects.

A broken stream is opened again with backoff; its snapshot then brings what was missed. Each time
the stream is opened, every session the database has open on that SFU is suspect — as if LOST —
until the SFU vouches for it (its snapshot): a session the SFU no longer holds (the SFU restarted, a
close it missed) leaves after the grace, and a call whose SFU died does not stay in progress for ever.

The processes followed change with the fleet (`follow` / `unfollow`, wired by main from the
placement's `FleetListener`). A broken stream is told to the placement (`Placement.suspect`): the
stream of a process killed with -9 ends at once, which with the registry's silence makes it lost in
seconds rather than at the TTL. What a process says is passed on with its address: a call that moved
elsewhere meanwhile (Calls.disconnected checks) does not lose its sessions to the old one's word."""

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

Gone = Callable[[str, str, str], Awaitable[None]]  # (sfu address, call_id, session_id)
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
        self._timers: dict[tuple[str, str], asyncio.Task[None]] = {}  # (address, session) → its timer
        self._followed: dict[str, asyncio.Task[None]] = {}

    def start(self) -> None:
        for address in self._placement.addresses():
            self.follow(address)

    def follow(self, address: str) -> None:
        """Follow the sessions of the process at `address` (again: nothing changes)."""
        if address not in self._followed:
            self._followed[address] = self._tasks.spawn(
                self._follow(address), name=f"watch-sessions-{address}"
            )

    def unfollow(self, address: str) -> None:
        """The process is gone: stop following it and forget its sessions' timers."""
        task = self._followed.pop(address, None)
        if task is not None:
            task.cancel()
        for key in [key for key in self._timers if key[0] == address]:
            self._timers.pop(key).cancel()

    @property
    def following(self) -> set[str]:
        return set(self._followed)

    async def stop(self) -> None:
        await self._tasks.close()
        self._timers.clear()
        self._followed.clear()

    @property
    def waiting(self) -> set[str]:
        """Sessions lost and within their grace now."""
        return {session for _, session in self._timers}

    async def _follow(self, address: str) -> None:
        backoff = BACKOFF_FIRST
        while True:
            try:
                stream = self._placement.sfu(address).WatchSessions(sfu_pb2.WatchSessionsRequest())
                self.suspect(await self._open_on(address), address=address)
                async for state in stream:
                    backoff = BACKOFF_FIRST
                    self.seen(state, address=address)
                self._placement.suspect(address)  # the process ended the stream: stopping, or gone
            except grpc.aio.AioRpcError as error:
                log.info("watch_sessions.broken", sfu=address, code=error.code().name)
                self._placement.suspect(address)
            except Exception as error:  # the database away: try again, as for a broken stream
                log.warning("watch_sessions.failed", sfu=address, error=str(error))
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, BACKOFF_MAX)

    def suspect(
        self, sessions: list[tuple[str, str]], within: float | None = None, *, address: str = ""
    ) -> None:
        """Sessions the SFU at `address` must vouch for within `within` seconds (the grace by
        default), or they leave."""
        for call_id, session_id in sessions:
            if (address, session_id) not in self._timers:
                self._timers[address, session_id] = self._tasks.spawn(
                    self._after(within if within is not None else self._grace, address, call_id, session_id),
                    name=f"grace-{session_id}",
                )

    def seen(self, state: sfu_pb2.SessionState, *, address: str = "") -> None:
        session = state.session_id
        if state.connection == sfu_pb2.MEDIA_CONNECTION_LOST:
            self.suspect([(state.call_id, session)], address=address)
            return
        if state.connection == sfu_pb2.MEDIA_CONNECTION_NEW:
            # Admitted, never connected yet: a page closed before it connected must not stay in the
            # call as a ghost (its time to connect covers a camera permission prompt).
            self.suspect([(state.call_id, session)], within=self._connect, address=address)
            return
        timer = self._timers.pop((address, session), None)
        if timer is not None:
            timer.cancel()
        if state.connection == sfu_pb2.MEDIA_CONNECTION_CLOSED:
            self._tasks.spawn(self._leave(address, state.call_id, session), name=f"closed-{session}")

    async def _after(self, seconds: float, address: str, call_id: str, session_id: str) -> None:
        await asyncio.sleep(seconds)
        self._timers.pop((address, session_id), None)
        await self._leave(address, call_id, session_id)

    async def _leave(self, address: str, call_id: str, session_id: str) -> None:
        try:
            await self._gone(address, call_id, session_id)
        except PartaError as error:  # a call already over, an unknown session: nothing to do
            log.info(
                "watch_sessions.leave_skipped", call_id=call_id, session_id=session_id, reason=error.message
            )
