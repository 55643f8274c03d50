"""Moving calls to another SFU process when theirs is gone (issue 14): lost (killed, expired from the
registry) or draining past its deadline. For each call in progress there: placed again (never on the
old process), every open session opened on the new one (with whether it may publish), the call's
address changed — one transaction, the call's row locked so a join or a leave waits for the move —
then each session's page is told to reconnect (`LiveCallEvent.reconnect`, reason "lost"/"drain": it
replaces both peer connections for the same session, no action from the person), and a drained
process is told to close the call's room.

A move the database or the new process refuses is rolled back and logged; the call stays where it
was (a lost process's sessions then leave after the grace, as before the fleet)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import grpc
from prometheus_client import Counter
from sqlalchemy import Row

from parta.media.v1 import sfu_pb2
from services.common.db import Database
from services.common.errors import PartaError
from services.common.logging import get_logger
from services.common.tasks import TaskSpawner
from services.media.calls.live import CallLive
from services.media.calls.store import CallStore
from services.media.placement.parts import GoneReason, Placement

log = get_logger(__name__)

MOVES = Counter("parta_media_call_moves_total", "Calls moved to another SFU process, by reason", ["reason"])
MOVE_FAILURES = Counter("parta_media_call_move_failures_total", "Calls that could not be moved", ["reason"])


class CallMoves:
    def __init__(self, db: Database, store: CallStore, placement: Placement, live: CallLive) -> None:
        self._db = db
        self._store = store
        self._placement = placement
        self._live = live
        self._tasks = TaskSpawner("media-call-moves")

    def gone(self, address: str, reason: GoneReason) -> None:
        """Move, in the background, every call of the process at `address`."""
        self._tasks.spawn(self.move_all(address, reason), name=f"move-calls-{address}")

    async def close(self) -> None:
        await self._tasks.close()

    async def move_all(self, address: str, reason: GoneReason) -> int:
        """Every call in progress on `address` moved; returns how many moved."""
        async with self._db.read("calls_on_sfu") as conn:
            call_ids = await self._store.calls_on(conn, address)
        moved = 0
        for call_id in call_ids:
            try:
                moved += await self.move(call_id, address, reason)
            except Exception:
                MOVE_FAILURES.labels(reason).inc()
                log.exception("call.move_failed", call_id=str(call_id), sfu=address, reason=reason)
        if call_ids:
            log.info("call.moved_from", sfu=address, reason=reason, calls=len(call_ids), moved=moved)
        return moved

    async def move(self, call_id: uuid.UUID, old: str, reason: GoneReason) -> bool:
        async with self._db.transaction("call_move") as conn:
            call = await self._store.get_call(conn, call_id, lock=True)
            if call is None or call.ended_at is not None or call.sfu_address != old:
                return False  # ended, or moved by someone else meanwhile
            sessions = await self._store.open_sessions(conn, call.id)
            new = self._placement.place(str(call.id), avoid=old)
            await self._open_all(new, call, sessions)
            await self._store.move_call(conn, call.id, new)
        MOVES.labels(reason).inc()
        log.info("call.moved", call_id=str(call.id), old=old, new=new, reason=reason, sessions=len(sessions))
        await self._live.reconnect(str(call.id), sessions, reason)
        if reason == "drain":
            try:
                await self._placement.sfu(old).CloseCall(
                    sfu_pb2.CloseCallRequest(call_id=str(call.id)), timeout=5.0
                )
            except grpc.aio.AioRpcError as error:
                log.warning("call.old_sfu_close_failed", call_id=str(call.id), code=error.code().name)
        return True

    async def _open_all(self, address: str, call: Row[Any], sessions: Sequence[Row[Any]]) -> None:
        sfu = self._placement.sfu(address)
        for session in sessions:
            try:
                await sfu.OpenSession(
                    sfu_pb2.OpenSessionRequest(
                        call_id=str(call.id),
                        session_id=str(session.id),
                        user_id=str(session.user_id),
                        may_publish=session.may_publish,
                    ),
                    timeout=5.0,
                )
            except grpc.aio.AioRpcError as error:
                raise PartaError(f"the SFU at {address} refused the call: {error.code().name}") from None
