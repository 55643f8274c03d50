"""The edge's side of the relay: each relayed track is an up-track fed by relay packets instead of
a publisher's peer connection, in the edge's room as a publisher (the origin's session and user) that
the edge's viewers subscribe to like a local one — their down-tracks, NACK/RTX, keyframe requests
collapsed by the up-track's rule. What the up-track asks of "its publisher" (NACKs for what the relay
leg lost, keyframe requests, receiver reports) goes to the origin's relay socket; the origin's sender
reports give it the publisher's clock."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from typing import Protocol

from services.media.sfu import metrics
from services.media.sfu.adapter import AUDIO_LEVEL_URI, Codec, RtpParameters
from services.media.sfu.forwarding import rtcp
from services.media.sfu.forwarding.fanout import fan_out
from services.media.sfu.forwarding.packets import SSRC_AT_8
from services.media.sfu.forwarding.uptrack import UpTrack
from services.media.sfu.ports import RelayedTrack, Source
from services.media.sfu.relay.wire import Address, Wire


class RelayRoom(Protocol):
    """What the edge needs of a room (services.media.sfu.room.Room)."""

    call_id: str

    async def put_relayed(self, session_id: str, user_id: str, tracks: dict[Source, UpTrack]) -> None: ...

    async def drop_relayed(self, session_id: str) -> None: ...


def parameters_of(track: RelayedTrack) -> RtpParameters:
    extensions = ((AUDIO_LEVEL_URI, track.audio_level_id),) if track.audio_level_id else ()
    return RtpParameters(
        mid="",
        codecs=tuple(
            Codec(codec.payload_type, codec.mime_type, codec.clock_rate, codec.parameters)
            for codec in track.codecs
        ),
        extensions=extensions,
        ssrc=track.ssrc,
        rtx_ssrc=track.rtx_ssrc or None,
    )


class Inbound:
    """Every relayed up-track of this process, by (call, origin) and by (origin, SSRC) (the relay's
    packets)."""

    def __init__(self, wire: Wire, keyframe_interval: float) -> None:
        self._wire = wire
        self._keyframe_interval = keyframe_interval
        self._rtcp_ssrc = random.getrandbits(32) or 1
        # (call, origin) → relay SSRC → up-track; the sessions each leg put in its room.
        self._legs: dict[tuple[str, Address], dict[int, UpTrack]] = {}
        # (origin, SSRC) → up-track: two origins may draw the same SSRC.
        self._by_ssrc: dict[tuple[Address, int], UpTrack] = {}

    async def open(self, room: RelayRoom, origin: Address, tracks: tuple[RelayedTrack, ...]) -> None:
        """The call's relayed tracks from `origin` become exactly `tracks` (known SSRCs keep their
        up-track, so viewers see no change)."""
        key = (room.call_id, origin)
        leg = self._legs.setdefault(key, {})
        before = {up.session_id for up in leg.values()}
        wanted = {track.ssrc: track for track in tracks}
        for ssrc in [ssrc for ssrc in leg if ssrc not in wanted]:
            self._forget(origin, leg.pop(ssrc))
        for ssrc, track in wanted.items():
            up = leg.get(ssrc)
            if up is None:
                up = leg[ssrc] = self._uptrack(track, origin)
            up.paused_at_source = track.muted
        sessions: dict[str, dict[Source, UpTrack]] = {}
        users: dict[str, str] = {}
        for ssrc, track in wanted.items():
            sessions.setdefault(track.session_id, {})[track.source] = leg[ssrc]
            users[track.session_id] = track.user_id
        for session_id, by_source in sessions.items():
            await room.put_relayed(session_id, users[session_id], by_source)
        for session_id in before - sessions.keys():
            await room.drop_relayed(session_id)
        if not leg:
            del self._legs[key]

    def _uptrack(self, track: RelayedTrack, origin: Address) -> UpTrack:
        up = UpTrack(
            track.session_id,
            track.user_id,
            track.source.value,
            track.kind,
            feedback=self._feedback(origin),
            schedule=asyncio.get_running_loop().call_later,
            keyframe_interval=self._keyframe_interval,
        )
        up.bind(parameters_of(track), self._rtcp_ssrc)
        for ssrc in (track.ssrc, track.rtx_ssrc):
            if ssrc:
                self._by_ssrc[origin, ssrc] = up
        return up

    def _feedback(self, origin: Address) -> Callable[[bytes], None]:
        wire = self._wire

        def send(packet: bytes) -> None:
            wire.send(packet, origin)

        return send

    def _forget(self, origin: Address, up: UpTrack) -> None:
        for ssrc in (up.ssrc, up.rtx_ssrc):
            if ssrc is not None:
                self._by_ssrc.pop((origin, ssrc), None)

    def forget(self, call_id: str) -> None:
        """The call's room closed: its relayed tracks are gone with it."""
        for key in [key for key in self._legs if key[0] == call_id]:
            for up in self._legs.pop(key).values():
                self._forget(key[1], up)

    @property
    def uptracks(self) -> int:
        return sum(len(leg) for leg in self._legs.values())

    def on_rtp(self, data: bytes, sender: Address) -> None:
        (ssrc,) = SSRC_AT_8.unpack_from(data, 8)
        up = self._by_ssrc.get((sender, ssrc))
        if up is None:
            return
        now = time.monotonic()
        fan_out(up, data, ssrc, now)
        metrics.FORWARDING_DELAY.observe(time.monotonic() - now)

    def on_rtcp(self, data: bytes, sender: Address) -> None:
        """The origin's sender reports: each relayed up-track's RTP ↔ NTP clock."""
        now = time.monotonic()
        for record in rtcp.parse(data):
            if isinstance(record, rtcp.SenderReport):
                up = self._by_ssrc.get((sender, record.ssrc))
                if up is not None and record.ssrc == up.ssrc:
                    up.on_sender_report(record, now)

    def report(self, now: float) -> None:
        """A receiver report to each origin for the tracks relayed from it (the leg's loss and RTT)."""
        for (_, origin), leg in self._legs.items():
            blocks = [block for block in (up.receiver_report(now) for up in leg.values()) if block]
            for start in range(0, len(blocks), 31):
                self._wire.send(rtcp.receiver_report(self._rtcp_ssrc, blocks[start : start + 31]), origin)
