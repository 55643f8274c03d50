"""One call's room on this SFU process: its sessions, the tracks they publish, which subscriber gets
which track, the negotiation that follows, and the room's clocks (reports, active speaker, metrics).

Negotiation, as LiveKit does it: a session publishes on one peer connection (client offer → SFU
answer; a new offer replaces that peer connection, as aiortc has no ICE restart) and receives on
another whose offers the SFU makes. When tracks come and go every other subscriber is re-offered;
one offer is outstanding per subscriber at a time, and changes meanwhile wait for its answer.
Operations on a room run one at a time (a lock), so a negotiation sees a stable room.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Hashable

from services.common.errors import InvalidArgument, NotFound, PermissionDenied
from services.media.sfu import adapter, metrics
from services.media.sfu.forwarding.fanout import fan_out
from services.media.sfu.forwarding.speaker import SpeakerDetector
from services.media.sfu.forwarding.uptrack import UpTrack
from services.media.sfu.options import EngineOptions
from services.media.sfu.peers import PublisherPeer, SubscriberPeer, ice_servers
from services.media.sfu.ports import (
    Candidate,
    Connection,
    EngineListener,
    Role,
    Source,
    SubscriberOffer,
    TrackInfo,
)

logger = logging.getLogger(__name__)

DEFAULT_SOURCE = {"audio": Source.MICROPHONE, "video": Source.CAMERA}


class Session:
    """A participant's presence in the room: up to one publisher and one subscriber peer."""

    def __init__(self, session_id: str, user_id: str, may_publish: bool) -> None:
        self.session_id = session_id
        self.user_id = user_id
        self.may_publish = may_publish
        self.publisher: PublisherPeer | None = None
        self.subscriber: SubscriberPeer | None = None
        self.tracks: dict[Source, UpTrack] = {}
        # The sessions whose video this session's client shows (None: it never said; all).
        self.visible: set[str] | None = None
        self.connection = Connection.NEW
        # A publisher of another SFU process whose tracks come over the relay (relay/edge.py): no
        # peer connection here, not a participant of this process.
        self.relayed = False


class Room:
    def __init__(self, call_id: str, listener: EngineListener, options: EngineOptions) -> None:
        self.call_id = call_id
        self._listener = listener
        self._options = options
        self._networks = adapter.parse_networks(options.allowed_networks)
        self._servers = ice_servers(options.ice_servers)
        self._host = adapter.HostCandidates(
            options.host_addresses, options.udp_ports, options.announced_addresses
        )
        self._sessions: dict[str, Session] = {}
        self._lock = asyncio.Lock()
        self._closing = False
        self._downtracks_counted = {"audio": 0, "video": 0}
        self._speaker = SpeakerDetector()
        self._loop = asyncio.get_running_loop()
        self._tasks = [
            asyncio.ensure_future(self._report_loop()),
            asyncio.ensure_future(self._speaker_loop()),
        ]

    # --- sessions ---------------------------------------------------------------------------------

    @property
    def empty(self) -> bool:
        return not self._sessions

    def sessions(self) -> list[Session]:
        return list(self._sessions.values())

    def _session(self, session_id: str) -> Session:
        session = self._sessions.get(session_id)
        if session is None:
            raise NotFound("Сеанс участника не найден в этом звонке.")
        return session

    def open_session(self, session_id: str, user_id: str, may_publish: bool) -> None:
        if session_id in self._sessions:
            return
        self._sessions[session_id] = Session(session_id, user_id, may_publish)
        metrics.PARTICIPANTS.inc()
        self._listener.session_state(self.call_id, session_id, user_id, Connection.NEW)

    async def close_session(self, session_id: str) -> None:
        async with self._lock:
            session = self._sessions.pop(session_id, None)
            if session is None:
                return
            if not session.relayed:
                metrics.PARTICIPANTS.dec()
            for up in session.tracks.values():
                self._speaker.forget(up.session_id)
                self._count_track(up, -1)
            session.tracks.clear()
            await self._close_peers(session)
            session.connection = Connection.CLOSED
            if not session.relayed:  # the publisher is the origin's participant, not this process's
                self._listener.session_state(self.call_id, session_id, session.user_id, Connection.CLOSED)
            if not self._closing:
                await self._renegotiate_all()

    async def _close_peers(self, session: Session) -> None:
        for peer in (session.publisher, session.subscriber):
            if peer is not None:
                if isinstance(peer, SubscriberPeer):
                    for slot in peer.slots:
                        peer.detach(slot)
                await peer.close()
        session.publisher = session.subscriber = None

    async def close(self) -> None:
        self._closing = True
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for session_id in list(self._sessions):
            await self.close_session(session_id)
        self._count_downtracks(closing=True)

    # --- the relay between SFU processes (relay/) ----------------------------------------------

    def published(self) -> list[UpTrack]:
        """The up-tracks this room's own publishers send (negotiated), for the relay to an edge."""
        return [
            up
            for session in self._sessions.values()
            if not session.relayed
            for up in session.tracks.values()
            if up.bound and up.codecs
        ]

    async def put_relayed(self, session_id: str, user_id: str, tracks: dict[Source, UpTrack]) -> None:
        """A publisher on another process, its tracks fed by the relay: every subscriber here gets
        them as a local publisher's (re-offered). Called again, its tracks become `tracks`."""
        async with self._lock:
            session = self._sessions.get(session_id)
            if session is None:
                session = self._sessions[session_id] = Session(session_id, user_id, may_publish=True)
                session.relayed = True
            elif not session.relayed:
                raise InvalidArgument("Этот сеанс уже участвует в звонке на этом медиасервере.")
            for source, up in list(session.tracks.items()):
                if tracks.get(source) is not up:
                    self._speaker.forget(session_id)
                    self._count_track(up, -1)
                    del session.tracks[source]
            for source, up in tracks.items():
                if source not in session.tracks:
                    session.tracks[source] = up
                    self._count_track(up, +1)
            if not self._closing:
                await self._renegotiate_all(besides=session)

    async def drop_relayed(self, session_id: str) -> None:
        async with self._lock:
            session = self._sessions.get(session_id)
            if session is None or not session.relayed:
                return
            del self._sessions[session_id]
            for up in session.tracks.values():
                self._speaker.forget(session_id)
                self._count_track(up, -1)
            if not self._closing:
                await self._renegotiate_all()

    # --- negotiation ------------------------------------------------------------------------------

    async def negotiate(
        self, session_id: str, role: Role, sdp_type: str, sdp: str, tracks: list[TrackInfo]
    ) -> str | None:
        async with self._lock:
            session = self._session(session_id)
            if role is Role.PUBLISHER:
                if sdp_type != "offer":
                    raise InvalidArgument(
                        "Публикующее соединение начинается с предложения (offer).", field="description"
                    )
                if not session.may_publish:
                    raise PermissionDenied("В этом звонке вам можно только слушать.")
                return await self._publish(session, sdp, tracks)
            if sdp_type != "answer":
                raise InvalidArgument(
                    "Принимающее соединение отвечает ответом (answer).", field="description"
                )
            subscriber = session.subscriber
            if subscriber is None or not subscriber.offer_outstanding:
                raise InvalidArgument("Нет предложения, на которое можно ответить.", field="description")
            await subscriber.accept(sdp)
            if subscriber.dirty:
                subscriber.dirty = False
                await self._renegotiate(session)
            return None

    async def _publish(self, session: Session, sdp: str, tracks: list[TrackInfo]) -> str:
        described = {track.mid: track for track in tracks}
        publisher = PublisherPeer(self._host, self._networks, self._servers, self._forward)
        chosen: dict[Source, UpTrack] = {}
        paused_at_source: dict[Source, bool] = {}
        now = time.monotonic()

        def track_for(mid: str, kind: str) -> UpTrack | None:
            info = described.get(mid)
            source = info.source if info is not None and info.kind == kind else DEFAULT_SOURCE.get(kind)
            if source is None or source in chosen:
                return None
            up = session.tracks.get(source)
            if up is None or up.kind != kind:
                up = UpTrack(
                    session.session_id,
                    session.user_id,
                    source.value,
                    kind,
                    feedback=publisher.send_rtcp,
                    schedule=self._loop.call_later,
                    keyframe_interval=self._options.keyframe_interval,
                )
            chosen[source] = up
            paused_at_source[source] = info is not None and info.muted
            return up

        try:
            answer = await publisher.answer(sdp, track_for)
        except BaseException:
            await publisher.close()
            raise
        for source, up in chosen.items():
            up.feedback = publisher.send_rtcp  # keyframe requests and NACKs go to the new peer
            up.paused_at_source = paused_at_source[source]
            # A moderator's mute holds while the client publishes the source as muted (a reconnect
            # of a muted page); publishing it unmuted is the person's own unmute.
            up.muted = up.muted and up.paused_at_source
            up.may_publish = session.may_publish
        old = session.publisher
        session.publisher = publisher
        publisher.pc.on("connectionstatechange", lambda: self._update_connection(session))
        if old is not None:
            await old.close()
        for source, up in list(session.tracks.items()):
            if chosen.get(source) is not up:
                self._speaker.forget(up.session_id)
                self._count_track(up, -1)
                del session.tracks[source]
        for source, up in chosen.items():
            if source not in session.tracks:
                session.tracks[source] = up
                self._count_track(up, +1)
            up.request_keyframe(now)
        await self._renegotiate_all(besides=session)
        return answer

    async def subscribe(self, session_id: str) -> SubscriberOffer:
        async with self._lock:
            session = self._session(session_id)
            old = session.subscriber
            subscriber = SubscriberPeer(self._host, self._networks, self._servers)
            session.subscriber = subscriber
            subscriber.pc.on("connectionstatechange", lambda: self._update_connection(session))
            if old is not None:
                for slot in old.slots:
                    old.detach(slot)
                await old.close()
            self._sync(session, subscriber)
            subscriber.ensure_m_line()
            sdp = await subscriber.offer()
            return SubscriberOffer(sdp=sdp, tracks=self._track_infos(subscriber))

    def _sync(self, session: Session, subscriber: SubscriberPeer) -> bool:
        """Makes the subscriber's slots carry every other session's tracks; True if it changed."""
        now = time.monotonic()
        wanted = {
            up for other in self._sessions.values() if other is not session for up in other.tracks.values()
        }
        changed = False
        for slot in subscriber.slots:
            if slot.up is not None and slot.up not in wanted:
                subscriber.detach(slot)
                changed = True
        carried = {slot.up for slot in subscriber.slots if slot.up is not None}
        for up in sorted(wanted - carried, key=lambda up: (up.session_id, up.source)):
            slot = subscriber.attach(up, now)
            if slot.downtrack is not None and up.video and session.visible is not None:
                if up.session_id in session.visible:
                    slot.downtrack.resume(now)
                else:
                    slot.downtrack.pause()
            changed = True
        return changed

    async def _renegotiate_all(self, besides: Session | None = None) -> None:
        """Every other subscriber re-offered; one that fails is logged, not the caller's error."""
        for other in list(self._sessions.values()):
            if other is not besides:
                try:
                    await self._renegotiate(other)
                except Exception:
                    logger.exception("SFU re-offer to a subscriber failed")

    async def _renegotiate(self, session: Session) -> None:
        subscriber = session.subscriber
        if subscriber is None or subscriber.closed:
            return
        if subscriber.offer_outstanding:
            subscriber.dirty = True
            return
        if not self._sync(session, subscriber):
            return
        sdp = await subscriber.offer()
        self._listener.subscriber_offer(
            self.call_id,
            session.session_id,
            session.user_id,
            SubscriberOffer(sdp=sdp, tracks=self._track_infos(subscriber)),
        )

    def _track_infos(self, subscriber: SubscriberPeer) -> tuple[TrackInfo, ...]:
        infos = []
        for slot in subscriber.slots:
            up, mid = slot.up, slot.mid
            if up is None or mid is None:
                continue
            infos.append(
                TrackInfo(
                    mid=mid,
                    kind=up.kind,
                    source=Source(up.source),
                    user_id=up.user_id,
                    session_id=up.session_id,
                    muted=up.paused_at_source or not up.forwarding,
                )
            )
        return tuple(infos)

    async def add_ice_candidate(self, session_id: str, role: Role, candidate: Candidate) -> None:
        session = self._session(session_id)
        peer = session.publisher if role is Role.PUBLISHER else session.subscriber
        if peer is None or peer.closed:
            raise InvalidArgument(
                "Соединение ещё не согласовано: кандидат не к чему добавить.", field="candidate"
            )
        await peer.add_candidate(candidate.candidate, candidate.sdp_mid, candidate.sdp_mline_index)

    # --- what moderators and clients change -------------------------------------------------------

    def set_visible_sessions(self, session_id: str, visible: list[str]) -> None:
        session = self._session(session_id)
        session.visible = set(visible)
        subscriber = session.subscriber
        if subscriber is None:
            return
        now = time.monotonic()
        for slot in subscriber.slots:
            if slot.up is None or slot.downtrack is None or not slot.up.video:
                continue
            if slot.up.session_id in session.visible:
                slot.downtrack.resume(now)
            else:
                slot.downtrack.pause()

    def mute_source(self, session_id: str, source: Source) -> None:
        session = self._session(session_id)
        up = session.tracks.get(source)
        if up is not None:
            up.muted = True
            self._speaker.forget(up.session_id)
        self._listener.muted(self.call_id, session_id, session.user_id, source)

    async def set_may_publish(self, session_id: str, may_publish: bool) -> None:
        session = self._session(session_id)
        session.may_publish = may_publish
        now = time.monotonic()
        for up in session.tracks.values():
            up.may_publish = may_publish
            if may_publish:
                up.request_keyframe(now)

    # --- connection state -------------------------------------------------------------------------

    def _update_connection(self, session: Session) -> None:
        if self._sessions.get(session.session_id) is not session:
            return
        states = [
            peer.connection_state for peer in (session.publisher, session.subscriber) if peer is not None
        ]
        if "connected" in states:
            state = Connection.CONNECTED
        elif session.connection is Connection.CONNECTED and any(s in ("failed", "closed") for s in states):
            state = Connection.LOST
        else:
            return
        if state is not session.connection:
            session.connection = state
            self._listener.session_state(self.call_id, session.session_id, session.user_id, state)

    # --- the forwarding path ----------------------------------------------------------------------

    def _forward(self, up: UpTrack, data: bytes, ssrc: int) -> None:
        """One decrypted packet of a publisher: to every subscriber's down-track of it."""
        now = time.monotonic()
        fan_out(up, data, ssrc, now)
        metrics.FORWARDING_DELAY.observe(time.monotonic() - now)

    # --- the room's clocks ------------------------------------------------------------------------

    async def _report_loop(self) -> None:
        interval = self._options.report_interval
        while True:
            await asyncio.sleep(interval)
            try:
                self._report(time.monotonic())
            except Exception:
                logger.exception("SFU room report failed")

    def _report(self, now: float) -> None:
        self._count_downtracks()
        options = self._options
        for session in self._sessions.values():
            if session.publisher is not None and not session.publisher.closed:
                # REMB caps what the publisher sends in all: its camera and its screen share together.
                bitrate = (options.max_camera_bitrate if Source.CAMERA in session.tracks else 0) + (
                    options.max_screen_bitrate if Source.SCREEN in session.tracks else 0
                )
                session.publisher.report(now, bitrate)
            if session.subscriber is not None and not session.subscriber.closed:
                session.subscriber.report(now, options.cname)
            for up in session.tracks.values():
                self._flush_metrics(up)

    def _flush_metrics(self, up: UpTrack) -> None:
        kind = up.kind
        metrics.PACKETS_IN.labels(kind).inc(up.packets_in)
        metrics.BYTES_IN.labels(kind).inc(up.bytes_in)
        metrics.RTX_RECEIVED.inc(up.rtx_in)
        metrics.NACKS_SENT.inc(up.nacks_sent)
        metrics.PLI_SENT.inc(up.keyframe_requests_sent)
        metrics.LOST_UPSTREAM.labels(kind).inc(up.lost_unreported)
        up.lost_unreported = 0
        up.packets_in = up.bytes_in = up.rtx_in = up.nacks_sent = up.keyframe_requests_sent = 0
        for downtrack in up.downtracks:
            metrics.PACKETS_OUT.labels(kind).inc(downtrack.packets_sent - downtrack.packets_counted)
            metrics.BYTES_OUT.labels(kind).inc(downtrack.octets_sent - downtrack.octets_counted)
            downtrack.packets_counted, downtrack.octets_counted = (
                downtrack.packets_sent,
                downtrack.octets_sent,
            )
            metrics.RTX_SENT.inc(downtrack.rtx_sent)
            metrics.NACKS_RECEIVED.inc(downtrack.nacks_received)
            metrics.PLI_RECEIVED.inc(downtrack.keyframe_requests_received)
            downtrack.rtx_sent = 0
            if downtrack.reported_loss is not None:
                metrics.SUBSCRIBER_LOSS.observe(downtrack.reported_loss)
                downtrack.reported_loss = None
            downtrack.nacks_received = downtrack.keyframe_requests_received = 0

    def _count_downtracks(self, closing: bool = False) -> None:
        counts = {"audio": 0, "video": 0}
        if not closing:
            for session in self._sessions.values():
                if session.subscriber is not None:
                    for slot in session.subscriber.slots:
                        if slot.up is not None:
                            counts[slot.kind] += 1
        for kind, count in counts.items():
            metrics.DOWNTRACKS.labels(kind).inc(count - self._downtracks_counted[kind])
        self._downtracks_counted = counts

    def _count_track(self, up: UpTrack, delta: int) -> None:
        metrics.TRACKS.labels(up.kind).inc(delta)

    async def _speaker_loop(self) -> None:
        while True:
            await asyncio.sleep(self._options.speaker_interval)
            levels: dict[Hashable, tuple[int, int]] = {}
            for session in self._sessions.values():
                up = session.tracks.get(Source.MICROPHONE)
                if up is not None:
                    loudness = up.take_loudness()
                    if up.forwarding:
                        levels[session.session_id] = loudness
            speaker = self._speaker.observe(levels)
            if speaker is not None and speaker in self._sessions:
                talker = self._sessions[str(speaker)]
                recipients = [
                    (other.user_id, other.session_id)
                    for other in self._sessions.values()
                    if not other.relayed
                ]
                self._listener.active_speaker(self.call_id, talker.user_id, talker.session_id, recipients)
