"""Calls in chats: join (starting the call when there is none), leave, the participants' state, a
moderator's mute and removal, and the end of the call when the last session leaves. Asks the rules
(rules.py), the chat access check (R-MEDIA-3, parts.ChatAccessCheck), the store, the SFU holding the
call's room (placement) and tells the call's pages (live.py); events leave through the outbox.

Order of work: the database decides (one transaction, the call's row locked so that a join and the
last leave take turns), then the SFU is told, then the pages. A join admits the session to the SFU
inside its transaction: a join the SFU does not take is rolled back whole (no phantom call in the
statistics) and refused with UNAVAILABLE. A leave tells the SFU after its commit (the database has
decided; what the SFU missed shows in its WatchSessions snapshot)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import grpc
from prometheus_client import Counter
from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from parta.events.v1 import media_pb2 as events_pb2
from parta.media.v1 import sfu_pb2, signalling_pb2
from services.common.auth import Principal
from services.common.convert import parse_uuid, to_timestamp, uuid_or_none
from services.common.db import Database
from services.common.errors import InvalidArgument, NotFound, PartaError, Unavailable
from services.common.events import service_actor, user_actor
from services.common.logging import get_logger
from services.common.outbox import stage_event
from services.media.calls import rules
from services.media.calls.convert import SOURCE_VALUES, broadcast_of, chat_of
from services.media.calls.ice import IceServer
from services.media.calls.live import CallLive
from services.media.calls.parts import ChatAccessCheck, OpenSession, Standing
from services.media.calls.store import CallStore
from services.media.placement.parts import Placement

log = get_logger(__name__)

CALL_NOT_FOUND = "Звонок не найден или уже завершён"
SESSION_NOT_FOUND = "Вы не участвуете в этом звонке"
NO_CALL_IN_CHAT = "В этом чате сейчас нет звонка"
SFU_DOWN = "Сервер звонков сейчас недоступен, попробуйте ещё раз"
JOIN_ATTEMPTS = 3

CALLS_STARTED = Counter("parta_media_calls_started_total", "Calls started in chats")
CALLS_ENDED = Counter("parta_media_calls_ended_total", "Calls ended (their last session left)")
JOINS = Counter(
    "parta_media_call_joins_total", "Participant sessions joined, listen-only or not", ["publish"]
)
LEAVES = Counter("parta_media_call_leaves_total", "Participant sessions left, by reason", ["reason"])

Clock = Callable[[], datetime]
IceFor = Callable[[str, datetime], list[IceServer]]


@dataclass(frozen=True)
class CallView:
    """A call in progress as its caller sees it."""

    call: Row[Any]
    sessions: Sequence[Row[Any]]
    may_publish: bool
    may_moderate: bool


@dataclass(frozen=True)
class Joined:
    view: CallView
    me: Row[Any]
    ice_servers: list[IceServer]
    started: bool


@dataclass(frozen=True)
class Left:
    """What one leave did: the sessions it closed, and whether the call ended with them."""

    call: Row[Any]
    closed: Sequence[Row[Any]]
    remaining: Sequence[Row[Any]]
    ended: bool


class Calls:
    def __init__(
        self,
        db: Database,
        store: CallStore,
        access: ChatAccessCheck,
        placement: Placement,
        live: CallLive,
        ice_for: IceFor,
        clock: Clock = lambda: datetime.now(UTC),
    ) -> None:
        self._db = db
        self._store = store
        self._access = access
        self._placement = placement
        self._live = live
        self._ice_for = ice_for
        self._clock = clock

    # --- joining --------------------------------------------------------------------------------
    async def join(self, principal: Principal, chat_id: str) -> Joined:
        chat = parse_uuid(chat_id, "chat_id")
        standing = await self._access(principal, chat_id)
        rules.check_may_join(standing)  # R-MEDIA-3
        may_publish = rules.may_publish(standing)
        user = uuid.UUID(principal.user_id)
        call, me, started = await self._join_in_database(chat, standing, user, may_publish)
        JOINS.labels("yes" if may_publish else "listen_only").inc()
        if started:
            CALLS_STARTED.inc()
        async with self._db.read("call_sessions") as conn:
            sessions = await self._store.open_sessions(conn, call.id)
        await self._live.participants(str(call.id), sessions)
        view = CallView(call, sessions, may_publish, standing.may_moderate)
        return Joined(view, me, self._ice_for(principal.user_id, self._clock()), started)

    async def _join_in_database(
        self, chat: uuid.UUID, standing: Standing, user: uuid.UUID, may_publish: bool
    ) -> tuple[Row[Any], Row[Any], bool]:
        """The call in progress (made when there is none) and the caller's new session in it. Two
        first joins at once: the unique partial index lets one insert the call; the other's insert
        waits for it, finds the conflict and reads that call. The call's row is locked while the
        session goes in, so the last leave cannot end it under a join; a call that ended meanwhile
        is not found again and a new one starts (the retry)."""
        organisation = parse_uuid(standing.organisation_id, "organisation_id")
        for _ in range(JOIN_ATTEMPTS):
            now = self._clock()
            async with self._db.transaction("call_join") as conn:
                started = False
                call = await self._store.call_in_progress(conn, chat, lock=True)
                if call is None:
                    call_id = uuid.uuid4()
                    call = await self._store.insert_call(
                        conn,
                        id=call_id,
                        organisation_id=organisation,
                        chat_id=chat,
                        started_by=user,
                        started_at=now,
                        sfu_address=self._placement.place(str(call_id)),
                        kind=standing.kind,
                    )
                    if call is None:
                        continue  # another join made it first: read it on the next turn
                    started = True
                    await stage_event(
                        conn,
                        "media.call.started",
                        events_pb2.CallStarted(
                            organisation_id=str(organisation),
                            call_id=str(call.id),
                            chat_id=chat_of(call),
                            started_by=str(user),
                            started_at=to_timestamp(call.started_at),
                            broadcast_id=broadcast_of(call),
                        ),
                        organisation_id=str(organisation),
                        actor=user_actor(str(user)),
                    )
                me = await self._store.insert_session(
                    conn,
                    id=uuid.uuid4(),
                    call_id=call.id,
                    user_id=user,
                    may_publish=may_publish,
                    joined_at=now,
                )
                await self._participants_changed(conn, call, actor=user_actor(str(user)))
                await self._open_on_sfu(call, me)
                return call, me, started
        raise Unavailable("Не удалось присоединиться к звонку, попробуйте ещё раз")

    async def _open_on_sfu(self, call: Row[Any], session: Row[Any]) -> None:
        """Admits the new session to the call's room, inside the join's transaction: an SFU that does
        not answer rolls the join back (no session, no call started, no event) — UNAVAILABLE."""
        try:
            await self._placement.sfu(call.sfu_address).OpenSession(
                sfu_pb2.OpenSessionRequest(
                    call_id=str(call.id),
                    session_id=str(session.id),
                    user_id=str(session.user_id),
                    may_publish=session.may_publish,
                ),
                timeout=5.0,
            )
        except grpc.aio.AioRpcError as error:
            log.warning("call.sfu_open_failed", call_id=str(call.id), code=error.code().name)
            raise Unavailable(SFU_DOWN) from None

    async def _participants_changed(self, conn: AsyncConnection, call: Row[Any], *, actor: Any) -> None:
        sessions = await self._store.open_sessions(conn, call.id)
        await stage_event(
            conn,
            "media.call.participants",
            events_pb2.CallParticipantsChanged(
                organisation_id=str(call.organisation_id),
                call_id=str(call.id),
                chat_id=chat_of(call),
                participant_count=len({s.user_id for s in sessions}),
                broadcast_id=broadcast_of(call),
            ),
            organisation_id=str(call.organisation_id),
            actor=actor,
        )

    # --- reading --------------------------------------------------------------------------------
    async def in_chat(self, principal: Principal, chat_id: str) -> CallView:
        chat = parse_uuid(chat_id, "chat_id")
        standing = await self._access(principal, chat_id)
        rules.check_may_join(standing)  # R-MEDIA-3: who may not join does not see the call either
        async with self._db.read("call_in_chat") as conn:
            call = await self._store.call_in_progress(conn, chat)
            if call is None:
                raise NotFound(NO_CALL_IN_CHAT)
            sessions = await self._store.open_sessions(conn, call.id)
        return CallView(call, sessions, rules.may_publish(standing), standing.may_moderate)

    async def _call_and_standing(self, principal: Principal, call_id: str) -> tuple[Row[Any], Standing]:
        """A call in progress and how the caller stands to its chat now (NotFound for a call that is
        over or unknown, or in a chat not theirs to see)."""
        async with self._db.read("call_get") as conn:
            call = await self._store.get_call(conn, parse_uuid(call_id, "call_id"))
        if call is None or call.ended_at is not None:
            raise NotFound(CALL_NOT_FOUND)
        return call, await self._access(principal, str(call.chat_id))

    async def _view(self, call: Row[Any], standing: Standing) -> CallView:
        async with self._db.read("call_sessions") as conn:
            sessions = await self._store.open_sessions(conn, call.id)
        return CallView(call, sessions, rules.may_publish(standing), standing.may_moderate)

    # --- one's own session ----------------------------------------------------------------------
    async def _own_open_session(
        self, principal: Principal, call_id: str, session_id: str
    ) -> tuple[Row[Any], Row[Any]]:
        call_uuid = parse_uuid(call_id, "call_id")
        session_uuid = parse_uuid(session_id, "session_id")
        async with self._db.read("call_session") as conn:
            session = await self._store.get_session(conn, session_uuid)
            call = await self._store.get_call(conn, call_uuid)
        if (
            session is None
            or call is None
            or session.call_id != call_uuid
            or str(session.user_id) != principal.user_id
            or session.left_at is not None
        ):
            raise NotFound(SESSION_NOT_FOUND)
        return call, session

    async def open_session_of(
        self, principal: Principal, call_id: str, session_id: str, *, ask_access: bool
    ) -> OpenSession:
        """The `SessionCheck` of signalling: the caller's own open session; with `ask_access`,
        R-MEDIA-3 asked again (a member removed from the chat mid-call loses the call: ACCESS_LOST)."""
        call, session = await self._own_open_session(principal, call_id, session_id)
        if ask_access:
            try:
                rules.check_may_join(await self._access(principal, str(call.chat_id)))
            except PartaError as refusal:
                if refusal.rule == rules.RULE:
                    await self._leave([session.id], call.id, "access_lost", actor=service_actor("media"))
                raise
        return OpenSession(
            call_id=str(call.id),
            session_id=str(session.id),
            user_id=principal.user_id,
            chat_id=str(call.chat_id),
            sfu_address=call.sfu_address,
        )

    async def leave(self, principal: Principal, call_id: str, session_id: str) -> bool:
        call, session = await self._own_open_session(principal, call_id, session_id)
        left = await self._leave([session.id], call.id, "left", actor=user_actor(principal.user_id))
        return left.ended

    async def update_state(
        self, principal: Principal, call_id: str, session_id: str, change: rules.StateChange
    ) -> Row[Any]:
        call, session = await self._own_open_session(principal, call_id, session_id)
        current = rules.MediaState(session.mic, session.camera, session.screen, session.hand_raised)
        after = rules.state_after(current, change, may_publish=session.may_publish)
        async with self._db.transaction("call_state") as conn:
            updated = await self._store.set_state(
                conn,
                session.id,
                mic=after.mic,
                camera=after.camera,
                screen=after.screen,
                hand_raised=after.hand_raised,
            )
            sessions = await self._store.open_sessions(conn, call.id)
        await self._live.participants(str(call.id), sessions)
        return updated

    # --- moderators -----------------------------------------------------------------------------
    async def mute(self, principal: Principal, call_id: str, user_id: str, source: str) -> CallView:
        if source not in SOURCE_VALUES:
            raise InvalidArgument("Источник: микрофон, камера или экран", field="source")
        call, standing = await self._call_and_standing(principal, call_id)
        rules.check_may_moderate(standing)  # R-MOD-1
        target = parse_uuid(user_id, "user_id")
        async with self._db.transaction("call_mute") as conn:
            targets = await self._store.open_sessions_of(conn, call.id, target)
            if not targets:
                raise NotFound("Этого человека нет в звонке", field="user_id")
            for session in targets:
                after = rules.muted(
                    rules.MediaState(session.mic, session.camera, session.screen, session.hand_raised), source
                )
                await self._store.set_state(
                    conn, session.id, mic=after.mic, camera=after.camera, screen=after.screen
                )
            sessions = await self._store.open_sessions(conn, call.id)
        sfu = self._placement.sfu(call.sfu_address)
        for session in targets:
            try:
                await sfu.MuteSource(
                    sfu_pb2.MuteSourceRequest(
                        call_id=str(call.id), session_id=str(session.id), source=SOURCE_VALUES[source]
                    ),
                    timeout=5.0,
                )
            except grpc.aio.AioRpcError as error:
                log.warning("call.sfu_mute_failed", call_id=str(call.id), code=error.code().name)
                raise Unavailable(SFU_DOWN) from None
        await self._live.muted(str(call.id), targets, source, principal.user_id)
        await self._live.participants(str(call.id), sessions)
        return CallView(call, sessions, rules.may_publish(standing), standing.may_moderate)

    async def remove(self, principal: Principal, call_id: str, user_id: str) -> CallView:
        call, standing = await self._call_and_standing(principal, call_id)
        rules.check_may_moderate(standing)  # R-MOD-1
        target = parse_uuid(user_id, "user_id")
        async with self._db.read("call_remove") as conn:
            targets = await self._store.open_sessions_of(conn, call.id, target)
        if not targets:
            raise NotFound("Этого человека нет в звонке", field="user_id")
        left = await self._leave(
            [s.id for s in targets], call.id, "removed", actor=user_actor(principal.user_id)
        )
        return CallView(left.call, left.remaining, rules.may_publish(standing), standing.may_moderate)

    # --- the chat changed under a call (messaging's events, calls/events.py) ---------------------
    async def access_lost(self, chat_id: str, user_id: str) -> None:
        """R-MEDIA-3: someone who left the chat, or was removed from it, leaves its call at once."""
        chat, user = uuid_or_none(chat_id), uuid_or_none(user_id)
        if chat is None or user is None:
            return
        async with self._db.read("call_access_lost") as conn:
            call = await self._store.call_in_progress(conn, chat)
            sessions = await self._store.open_sessions_of(conn, call.id, user) if call is not None else []
        if call is not None and sessions:
            await self._leave([s.id for s in sessions], call.id, "access_lost", actor=service_actor("media"))

    async def publishing_changed(self, chat_id: str, user_id: str, *, may_publish: bool) -> None:
        """R-MOD-3 mid-call: a block makes the person's sessions listen-only (what they sent is turned
        off and the SFU stops forwarding it); the block lifted, they may publish again."""
        chat, user = uuid_or_none(chat_id), uuid_or_none(user_id)
        if chat is None or user is None:
            return
        async with self._db.transaction("call_publishing") as conn:
            call = await self._store.call_in_progress(conn, chat)
            if call is None:
                return
            targets = await self._store.open_sessions_of(conn, call.id, user)
            if not targets:
                return
            silenced = {} if may_publish else {"mic": False, "camera": False, "screen": False}
            for session in targets:
                await self._store.set_state(conn, session.id, may_publish=may_publish, **silenced)
            sessions = await self._store.open_sessions(conn, call.id)
        sfu = self._placement.sfu(call.sfu_address)
        for session in targets:
            try:
                await sfu.SetMayPublish(
                    sfu_pb2.SetMayPublishRequest(
                        call_id=str(call.id), session_id=str(session.id), may_publish=may_publish
                    ),
                    timeout=5.0,
                )
            except grpc.aio.AioRpcError as error:
                log.warning("call.sfu_may_publish_failed", call_id=str(call.id), code=error.code().name)
        await self._live.participants(str(call.id), sessions)

    async def room_closed(self, room_id: str) -> None:
        """The room's call ends now, every open session with CALL_ENDED: a broadcast cancelled while
        live (R-MEDIA-2, decision 010)."""
        room = uuid_or_none(room_id)
        if room is None:
            return
        async with self._db.read("call_room_closed") as conn:
            call = await self._store.call_in_progress(conn, room)
            sessions = await self._store.open_sessions(conn, call.id) if call is not None else []
        if call is not None and sessions:
            await self._leave([s.id for s in sessions], call.id, "call_ended", actor=service_actor("media"))

    # --- the media connection -------------------------------------------------------------------
    async def open_sessions_on(self, sfu_address: str) -> list[tuple[str, str]]:
        """(call_id, session_id) of every open session the SFU at `sfu_address` should hold."""
        async with self._db.read("call_sessions_on_sfu") as conn:
            rows = await self._store.open_sessions_on(conn, sfu_address)
        return [(str(call_id), str(session_id)) for call_id, session_id in rows]

    async def disconnected(self, call_id: str, session_id: str) -> None:
        """The SFU lost the session's media connection for longer than the grace (or closed it)."""
        call = uuid_or_none(call_id)
        session = uuid_or_none(session_id)
        if call is None or session is None:
            return
        await self._leave([session], call, "disconnected", actor=service_actor("media"))

    # --- leaving --------------------------------------------------------------------------------
    async def _leave(
        self, session_ids: Sequence[uuid.UUID], call_id: uuid.UUID, reason: str, *, actor: Any
    ) -> Left:
        now = self._clock()
        async with self._db.transaction("call_leave") as conn:
            call = await self._store.get_call(conn, call_id, lock=True)
            if call is None:
                raise NotFound(CALL_NOT_FOUND)
            closed = await self._store.leave(conn, session_ids, reason, now)
            remaining = await self._store.open_sessions(conn, call.id)
            ended = bool(closed) and call.ended_at is None and rules.call_ends(len(remaining))
            if ended:
                call = await self._store.end_call(conn, call.id, now)
                await self._stage_ended(conn, call)
            elif closed:
                await self._participants_changed(conn, call, actor=actor)
        if not closed:
            return Left(call, closed, remaining, ended=False)
        LEAVES.labels(reason).inc(len(closed))
        if ended:
            CALLS_ENDED.inc()
        sfu = self._placement.sfu(call.sfu_address)
        try:
            if ended:
                await sfu.CloseCall(sfu_pb2.CloseCallRequest(call_id=str(call.id)), timeout=5.0)
            else:
                for session in closed:
                    await sfu.CloseSession(
                        signalling_pb2.SessionRef(call_id=str(call.id), session_id=str(session.id)),
                        timeout=5.0,
                    )
        except grpc.aio.AioRpcError as error:
            # The database has decided; the SFU's WatchSessions snapshot shows what it still holds.
            log.warning("call.sfu_close_failed", call_id=str(call.id), code=error.code().name)
        await self._live.closed(str(call.id), closed, reason)
        if remaining:
            await self._live.participants(str(call.id), remaining)
        return Left(call, closed, remaining, ended)

    async def _stage_ended(self, conn: AsyncConnection, call: Row[Any]) -> None:
        """R-STAT-1: the call's duration and each participant's time in it."""
        sessions = await self._store.all_sessions(conn, call.id)
        times = rules.participant_seconds(
            (str(s.user_id), s.joined_at, s.left_at or call.ended_at) for s in sessions
        )
        await stage_event(
            conn,
            "media.call.ended",
            events_pb2.CallEnded(
                organisation_id=str(call.organisation_id),
                call_id=str(call.id),
                chat_id=chat_of(call),
                broadcast_id=broadcast_of(call),
                started_at=to_timestamp(call.started_at),
                ended_at=to_timestamp(call.ended_at),
                duration_seconds=rules.duration_seconds(call.started_at, call.ended_at),
                participant_ids=sorted(times),
                participant_times=[
                    events_pb2.ParticipantTime(user_id=user_id, seconds=seconds)
                    for user_id, seconds in sorted(times.items())
                ],
            ),
            organisation_id=str(call.organisation_id),
            actor=service_actor("media"),
        )
