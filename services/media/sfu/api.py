"""The SFU process's outside, over the engine port (ports.py): the gRPC servicer
`parta.media.v1.Sfu` the control plane calls (protobuf → ports types → `Engine`, and back), and
`ShellListener`, the `EngineListener` that says what the engine tells: LiveCallEvents to a person's
pages on core NATS (`media_subject(user_id)`) and session states to every `WatchSessions` stream
(`SessionFeed`: the snapshot first, then each change). No rule is decided here."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeAlias

import grpc
from prometheus_client import Counter

from parta.media.v1 import media_pb2, sfu_pb2, sfu_pb2_grpc, signalling_pb2
from services.common.errors import InvalidArgument
from services.common.live import media_subject
from services.common.logging import get_logger
from services.common.tasks import TaskSpawner
from services.media.sfu.ports import (
    Candidate,
    Connection,
    Engine,
    RelayCodec,
    RelayedTrack,
    RelayTracks,
    Role,
    Source,
    SubscriberOffer,
    TrackInfo,
)

log = get_logger(__name__)

Context: TypeAlias = Any  # grpc.aio.ServicerContext (grpcio ships no type hints)

SERVICE_NAME = "parta.media.v1.Sfu"
# Internal: only the control plane reaches the SFU (a NetworkPolicy in a cluster), with no user token.
PUBLIC_METHODS = tuple(
    f"/{SERVICE_NAME}/{method.name}" for method in sfu_pb2.DESCRIPTOR.services_by_name["Sfu"].methods
)

ROLES = {media_pb2.PEER_ROLE_PUBLISHER: Role.PUBLISHER, media_pb2.PEER_ROLE_SUBSCRIBER: Role.SUBSCRIBER}
SOURCES = {
    media_pb2.TRACK_SOURCE_MICROPHONE: Source.MICROPHONE,
    media_pb2.TRACK_SOURCE_CAMERA: Source.CAMERA,
    media_pb2.TRACK_SOURCE_SCREEN: Source.SCREEN,
}
SOURCE_PB = {source: value for value, source in SOURCES.items()}
CONNECTION_PB = {
    Connection.NEW: sfu_pb2.MEDIA_CONNECTION_NEW,
    Connection.CONNECTED: sfu_pb2.MEDIA_CONNECTION_CONNECTED,
    Connection.LOST: sfu_pb2.MEDIA_CONNECTION_LOST,
    Connection.CLOSED: sfu_pb2.MEDIA_CONNECTION_CLOSED,
}


MODERATOR_MUTES = Counter(
    "parta_sfu_moderator_mutes_total", "Sources a moderator muted (their forwarding stopped)", ["source"]
)


# --- protobuf ↔ ports ---------------------------------------------------------------------------
def required(value: str, field: str) -> str:
    if not value:
        raise InvalidArgument(f"Не указано поле {field}", field=field)
    return value


def role_of(value: int) -> Role:
    if value not in ROLES:
        raise InvalidArgument("Роль соединения: publisher или subscriber", field="role")
    return ROLES[value]  # type: ignore[index]


def source_of(value: int) -> Source:
    if value not in SOURCES:
        raise InvalidArgument("Источник: микрофон, камера или экран", field="source")
    return SOURCES[value]  # type: ignore[index]


def track_of(track: media_pb2.TrackInfo) -> TrackInfo:
    return TrackInfo(
        mid=track.mid,
        kind=track.kind,
        source=source_of(track.source),
        user_id=track.user_id,
        session_id=track.session_id,
        muted=track.muted,
    )


def track_pb(track: TrackInfo) -> media_pb2.TrackInfo:
    return media_pb2.TrackInfo(
        mid=track.mid,
        kind=track.kind,
        source=SOURCE_PB[track.source],
        user_id=track.user_id,
        session_id=track.session_id,
        muted=track.muted,
    )


def offer_pb(offer: SubscriberOffer) -> media_pb2.SubscriberOffer:
    return media_pb2.SubscriberOffer(
        description=media_pb2.SessionDescription(type="offer", sdp=offer.sdp),
        tracks=[track_pb(track) for track in offer.tracks],
    )


def session_state_pb(
    call_id: str, session_id: str, user_id: str, connection: Connection
) -> sfu_pb2.SessionState:
    return sfu_pb2.SessionState(
        call_id=call_id, session_id=session_id, user_id=user_id, connection=CONNECTION_PB[connection]
    )


def relay_tracks_pb(relay: RelayTracks) -> sfu_pb2.RelayTracks:
    return sfu_pb2.RelayTracks(
        origin_relay_address=relay.origin_address,
        tracks=[
            sfu_pb2.RelayedTrack(
                ssrc=track.ssrc,
                rtx_ssrc=track.rtx_ssrc,
                kind=track.kind,
                source=SOURCE_PB[track.source],
                user_id=track.user_id,
                session_id=track.session_id,
                codecs=[
                    sfu_pb2.RelayCodec(
                        payload_type=codec.payload_type,
                        mime_type=codec.mime_type,
                        clock_rate=codec.clock_rate,
                        parameters=dict(codec.parameters),
                    )
                    for codec in track.codecs
                ],
                audio_level_extension_id=track.audio_level_id,
                muted=track.muted,
            )
            for track in relay.tracks
        ],
    )


def relayed_track_of(track: sfu_pb2.RelayedTrack) -> RelayedTrack:
    if not track.ssrc or track.kind not in ("audio", "video") or not track.codecs:
        raise InvalidArgument("Ретранслируемая дорожка без SSRC, вида или кодеков.", field="relay.tracks")
    if not 0 < track.audio_level_extension_id < 15 and track.audio_level_extension_id:
        raise InvalidArgument("Номер расширения уровня звука — от 1 до 14.", field="relay.tracks")
    if any(codec.payload_type > 127 for codec in track.codecs):
        raise InvalidArgument("Тип нагрузки RTP — от 0 до 127.", field="relay.tracks")
    return RelayedTrack(
        ssrc=track.ssrc,
        rtx_ssrc=track.rtx_ssrc,
        kind=track.kind,
        source=source_of(track.source),
        user_id=required(track.user_id, "relay.tracks.user_id"),
        session_id=required(track.session_id, "relay.tracks.session_id"),
        codecs=tuple(
            RelayCodec(
                codec.payload_type, codec.mime_type, codec.clock_rate, tuple(sorted(codec.parameters.items()))
            )
            for codec in track.codecs
        ),
        audio_level_id=track.audio_level_extension_id,
        muted=track.muted,
    )


def relay_tracks_of(relay: sfu_pb2.RelayTracks) -> RelayTracks:
    return RelayTracks(
        origin_address=required(relay.origin_relay_address, "relay.origin_relay_address"),
        tracks=tuple(relayed_track_of(track) for track in relay.tracks),
    )


# --- what the engine tells ----------------------------------------------------------------------
class SessionFeed:
    """Every WatchSessions stream: a queue each, fed with every session state change."""

    def __init__(self) -> None:
        self._watchers: set[asyncio.Queue[sfu_pb2.SessionState | None]] = set()

    @property
    def watchers(self) -> int:
        return len(self._watchers)

    def publish(self, state: sfu_pb2.SessionState) -> None:
        for queue in self._watchers:
            queue.put_nowait(state)

    async def watch(self, engine: Engine) -> AsyncIterator[sfu_pb2.SessionState]:
        """The snapshot of every open session, then each change, until `close()`. Registered before
        the snapshot is taken, so no change falls between the two (a change may come twice: harmless)."""
        queue: asyncio.Queue[sfu_pb2.SessionState | None] = asyncio.Queue()
        self._watchers.add(queue)
        try:
            for call_id, session_id, user_id, connection in engine.sessions():
                yield session_state_pb(call_id, session_id, user_id, connection)
            while (state := await queue.get()) is not None:
                yield state
        finally:
            self._watchers.discard(queue)

    def close(self) -> None:
        for queue in self._watchers:
            queue.put_nowait(None)


Publish = Callable[[str, bytes], Awaitable[None]]


class ShellListener:
    """The `EngineListener` of the process: LiveCallEvents to `media_subject(user_id)` on core NATS,
    in the order the engine said them (one queue, one publishing task: a re-offer never overtakes the
    one before it), and session states to the `SessionFeed`. Never blocks the engine."""

    def __init__(self, publish: Publish, feed: SessionFeed) -> None:
        self._publish = publish
        self._feed = feed
        self._queue: asyncio.Queue[tuple[str, bytes] | None] = asyncio.Queue()
        self._tasks = TaskSpawner("sfu-live")
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = self._tasks.spawn(self._run(), name="sfu-live-publisher")

    async def _run(self) -> None:
        while (item := await self._queue.get()) is not None:
            subject, payload = item
            try:
                await self._publish(subject, payload)
            except Exception as error:  # NATS down: live events are not durable by design
                log.warning("sfu.live_publish_failed", subject=subject, error=str(error))

    async def stop(self, flush_timeout: float = 2.0) -> None:
        """Publish what is queued (bounded by flush_timeout), then stop."""
        self._queue.put_nowait(None)
        if self._task is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._task), timeout=flush_timeout)
        await self._tasks.close()

    def _send(self, user_id: str, event: media_pb2.LiveCallEvent) -> None:
        self._queue.put_nowait((media_subject(user_id), event.SerializeToString()))

    # EngineListener
    def subscriber_offer(self, call_id: str, session_id: str, user_id: str, offer: SubscriberOffer) -> None:
        self._send(
            user_id,
            media_pb2.LiveCallEvent(call_id=call_id, session_id=session_id, subscriber_offer=offer_pb(offer)),
        )

    def active_speaker(
        self, call_id: str, speaker_user_id: str, speaker_session_id: str, recipients: list[tuple[str, str]]
    ) -> None:
        speaker = media_pb2.ActiveSpeaker(user_id=speaker_user_id, session_id=speaker_session_id)
        for user_id, session_id in recipients:
            self._send(
                user_id,
                media_pb2.LiveCallEvent(call_id=call_id, session_id=session_id, active_speaker=speaker),
            )

    def muted(self, call_id: str, session_id: str, user_id: str, source: Source) -> None:
        # The control plane tells the person of a moderator's mute (it knows who muted); the engine's
        # word is only that forwarding has stopped, which the process counts and logs.
        MODERATOR_MUTES.labels(source.value).inc()
        log.info("sfu.source_muted", call_id=call_id, session_id=session_id, source=source.value)

    def session_state(self, call_id: str, session_id: str, user_id: str, connection: Connection) -> None:
        self._feed.publish(session_state_pb(call_id, session_id, user_id, connection))


# --- the gRPC service ---------------------------------------------------------------------------
class SfuApi(sfu_pb2_grpc.SfuServicer):
    def __init__(self, engine: Engine, feed: SessionFeed) -> None:
        self._engine = engine
        self._feed = feed

    async def OpenSession(self, request: sfu_pb2.OpenSessionRequest, context: Context) -> sfu_pb2.SfuAck:
        await self._engine.open_session(
            required(request.call_id, "call_id"),
            required(request.session_id, "session_id"),
            required(request.user_id, "user_id"),
            request.may_publish,
        )
        return sfu_pb2.SfuAck()

    async def CloseSession(self, request: signalling_pb2.SessionRef, context: Context) -> sfu_pb2.SfuAck:
        await self._engine.close_session(
            required(request.call_id, "call_id"), required(request.session_id, "session_id")
        )
        return sfu_pb2.SfuAck()

    async def CloseCall(self, request: sfu_pb2.CloseCallRequest, context: Context) -> sfu_pb2.SfuAck:
        await self._engine.close_call(required(request.call_id, "call_id"))
        return sfu_pb2.SfuAck()

    async def Negotiate(
        self, request: signalling_pb2.NegotiateRequest, context: Context
    ) -> signalling_pb2.NegotiateResponse:
        answer = await self._engine.negotiate(
            required(request.call_id, "call_id"),
            required(request.session_id, "session_id"),
            role_of(request.role),
            required(request.description.type, "description.type"),
            required(request.description.sdp, "description.sdp"),
            [track_of(track) for track in request.tracks],
        )
        if answer is None:
            return signalling_pb2.NegotiateResponse()
        return signalling_pb2.NegotiateResponse(
            answer=media_pb2.SessionDescription(type="answer", sdp=answer)
        )

    async def Subscribe(
        self, request: signalling_pb2.SessionRef, context: Context
    ) -> media_pb2.SubscriberOffer:
        offer = await self._engine.subscribe(
            required(request.call_id, "call_id"), required(request.session_id, "session_id")
        )
        return offer_pb(offer)

    async def AddIceCandidate(
        self, request: signalling_pb2.AddIceCandidateRequest, context: Context
    ) -> sfu_pb2.SfuAck:
        candidate = request.candidate
        await self._engine.add_ice_candidate(
            required(request.call_id, "call_id"),
            required(request.session_id, "session_id"),
            role_of(request.role),
            Candidate(candidate.candidate, candidate.sdp_mid, candidate.sdp_mline_index),
        )
        return sfu_pb2.SfuAck()

    async def SetVisibleSessions(
        self, request: signalling_pb2.SetVisibleSessionsRequest, context: Context
    ) -> sfu_pb2.SfuAck:
        await self._engine.set_visible_sessions(
            required(request.call_id, "call_id"),
            required(request.session_id, "session_id"),
            list(request.visible_session_ids),
        )
        return sfu_pb2.SfuAck()

    async def MuteSource(self, request: sfu_pb2.MuteSourceRequest, context: Context) -> sfu_pb2.SfuAck:
        await self._engine.mute_source(
            required(request.call_id, "call_id"),
            required(request.session_id, "session_id"),
            source_of(request.source),
        )
        return sfu_pb2.SfuAck()

    async def SetMayPublish(self, request: sfu_pb2.SetMayPublishRequest, context: Context) -> sfu_pb2.SfuAck:
        await self._engine.set_may_publish(
            required(request.call_id, "call_id"),
            required(request.session_id, "session_id"),
            request.may_publish,
        )
        return sfu_pb2.SfuAck()

    async def WatchSessions(
        self, request: sfu_pb2.WatchSessionsRequest, context: Context
    ) -> AsyncIterator[sfu_pb2.SessionState]:
        async for state in self._feed.watch(self._engine):
            yield state

    # The relay between SFU processes (relay/): the control plane drives it; no rule is decided here.
    async def ServeRelay(self, request: sfu_pb2.ServeRelayRequest, context: Context) -> sfu_pb2.RelayTracks:
        relay = await self._engine.serve_relay(
            required(request.call_id, "call_id"), required(request.edge_relay_address, "edge_relay_address")
        )
        return relay_tracks_pb(relay)

    async def StopRelay(self, request: sfu_pb2.ServeRelayRequest, context: Context) -> sfu_pb2.SfuAck:
        await self._engine.stop_relay(
            required(request.call_id, "call_id"), required(request.edge_relay_address, "edge_relay_address")
        )
        return sfu_pb2.SfuAck()

    async def OpenRelay(
        self, request: sfu_pb2.OpenRelayRequest, context: Context
    ) -> sfu_pb2.OpenRelayResponse:
        address = await self._engine.open_relay(
            required(request.call_id, "call_id"), relay_tracks_of(request.relay)
        )
        return sfu_pb2.OpenRelayResponse(relay_address=address)

    async def Drain(self, request: sfu_pb2.DrainRequest, context: Context) -> sfu_pb2.SfuAck:
        # The fleet (issue 14) gives the process a DRAINING state; until it lands there is none.
        await context.abort(
            grpc.StatusCode.UNIMPLEMENTED, "Этот процесс SFU пока не умеет уходить на обслуживание"
        )
        return sfu_pb2.SfuAck()  # not reached: abort raises
