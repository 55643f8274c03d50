"""The origin's side of the relay: for each (call, edge) a relay down-track on every published
up-track of the call — a down-track like a subscriber's (its own SSRCs, sequence numbers running on
across the publisher's reconnections, a history that answers NACKs with RTX), whose packets go to the
edge's relay socket instead of a peer connection. The edge's feedback comes back here: NACKs are
answered from the history, keyframe requests go to the up-track (collapsed there with the local
subscribers' under the room's rule), report blocks give the leg its round-trip time. Sender reports
go to the edge each report interval, so its viewers keep the publisher's clock (lip sync)."""

from __future__ import annotations

import random
import time

from services.media.sfu.adapter import AUDIO_LEVEL_URI, RtpParameters, SendNow
from services.media.sfu.forwarding import rtcp
from services.media.sfu.forwarding.downtrack import DownTrack
from services.media.sfu.forwarding.uptrack import UpTrack
from services.media.sfu.ports import RelayCodec, RelayedTrack, Source
from services.media.sfu.relay.wire import Address, Wire

# The header extension id the relay carries the audio level under (the relay's own negotiation).
LEVEL_ID = 1


def relay_parameters(up: UpTrack) -> RtpParameters:
    """The relay leg's "negotiation" of a track: the publisher's own codecs and payload types."""
    extensions = ((AUDIO_LEVEL_URI, LEVEL_ID),) if not up.video else ()
    return RtpParameters(mid="", codecs=tuple(up.codecs.values()), extensions=extensions)


class Outbound:
    """Every relay down-track of this process, by (call, edge) and by SSRC (the edge's feedback)."""

    def __init__(self, wire: Wire) -> None:
        self._wire = wire
        self._legs: dict[tuple[str, Address], dict[UpTrack, DownTrack]] = {}
        self._by_ssrc: dict[int, tuple[DownTrack, Address]] = {}

    def _new_ssrc(self) -> int:
        while True:
            ssrc = random.getrandbits(32)
            if ssrc and ssrc not in self._by_ssrc:
                return ssrc

    def serve(self, call_id: str, edge: Address, published: list[UpTrack]) -> tuple[RelayedTrack, ...]:
        """The call's tracks to `edge` become exactly `published` (those already sent keep their
        SSRCs); returns how each is relayed."""
        leg = self._legs.setdefault((call_id, edge), {})
        for up in [up for up in leg if up not in published]:
            self._drop(up, leg.pop(up))
        now = time.monotonic()
        for up in published:
            if up not in leg:
                rtx = any(codec.is_rtx for codec in up.codecs.values())
                downtrack = DownTrack(
                    up,
                    self._new_ssrc(),
                    self._new_ssrc() if rtx else 0,
                    initial_sequence=random.getrandbits(15),
                    initial_timestamp=random.getrandbits(32),
                )
                downtrack.configure(relay_parameters(up))
                downtrack.send = self._sender(edge)
                leg[up] = downtrack
                self._by_ssrc[downtrack.ssrc] = (downtrack, edge)
                up.downtracks.append(downtrack)
                up.request_keyframe(now)
        return tuple(described(up, downtrack) for up, downtrack in leg.items())

    def _sender(self, edge: Address) -> SendNow:
        wire = self._wire

        def send(packet: bytes) -> None:
            wire.send(packet, edge)

        return send

    def _drop(self, up: UpTrack, downtrack: DownTrack) -> None:
        if downtrack in up.downtracks:
            up.downtracks.remove(downtrack)
        self._by_ssrc.pop(downtrack.ssrc, None)

    def stop(self, call_id: str, edge: Address) -> None:
        for up, downtrack in self._legs.pop((call_id, edge), {}).items():
            self._drop(up, downtrack)

    def forget(self, call_id: str) -> None:
        for key in [key for key in self._legs if key[0] == call_id]:
            self.stop(*key)

    @property
    def downtracks(self) -> int:
        return len(self._by_ssrc)

    def on_rtcp(self, data: bytes, sender: Address) -> None:
        """An edge's feedback: NACKs answered, keyframe requests passed up, reports read."""
        now = time.monotonic()
        for record in rtcp.parse(data):
            if isinstance(record, rtcp.Nack | rtcp.KeyframeRequest):
                found = self._by_ssrc.get(record.media_ssrc)
                if found is None or found[1] != sender:
                    continue
                downtrack = found[0]
                if isinstance(record, rtcp.Nack):
                    for packet in downtrack.on_nack(record.lost, now):
                        self._wire.send(packet, sender)
                else:
                    downtrack.on_keyframe_request(now)
            elif isinstance(record, rtcp.ReceiverReport):
                for block in record.reports:
                    found = self._by_ssrc.get(block.ssrc)
                    if found is not None and found[1] == sender:
                        found[0].on_report(block, time.time())

    def report(self, now: float) -> None:
        """A sender report for each relay down-track that has sent something, one datagram per edge."""
        wall = time.time()
        for (_, edge), leg in self._legs.items():
            reports = [report for report in (dt.sender_report(now, wall) for dt in leg.values()) if report]
            for start in range(0, len(reports), 16):
                self._wire.send(b"".join(reports[start : start + 16]), edge)


def described(up: UpTrack, downtrack: DownTrack) -> RelayedTrack:
    return RelayedTrack(
        ssrc=downtrack.ssrc,
        rtx_ssrc=downtrack.rtx_ssrc,
        kind=up.kind,
        source=Source(up.source),
        user_id=up.user_id,
        session_id=up.session_id,
        codecs=tuple(
            RelayCodec(codec.payload_type, codec.mime_type, codec.clock_rate, codec.parameters)
            for codec in up.codecs.values()
        ),
        audio_level_id=0 if up.video else LEVEL_ID,
        muted=up.paused_at_source,
    )
