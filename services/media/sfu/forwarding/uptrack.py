"""A publisher's track as it arrives at the SFU (one per published source of a session, kept across
the session's publisher peer connections): it reads each packet's header once, unwraps RTX, counts
what arrives for receiver reports, asks the publisher again for what its own leg lost (NACK, bounded
retries as LiveKit), collapses keyframe requests to one per interval, keeps the publisher's
sender-report clock, and sums the audio level for the active speaker. The down-tracks fed from it
are in `downtracks`; the engine hands them each packet.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from services.media.sfu.adapter import AUDIO_LEVEL_URI, Codec, RtpParameters
from services.media.sfu.forwarding import rtcp
from services.media.sfu.forwarding.packets import (
    EXTENSION_BIT,
    EXTENSION_HEADER,
    HEADER,
    ONE_BYTE_PROFILE,
    find_one_byte_extension,
    unwrap_rtx,
)

# NACKs upstream (LiveKit: ≤ 100 outstanding, 5 tries, 20–400 ms apart, RTT 70 ms by default).
MAX_MISSING = 100
MAX_NACK_TRIES = 5
DEFAULT_RTT = 0.07
NACK_CHECK_INTERVAL = 0.02
# A gap this large is a restart of the stream, not a loss to repair.
MAX_GAP = 500
# The audio level (-dBov) at or under which a packet counts as speech (LiveKit: 35).
SPEECH_LEVEL = 35

# What on_packet returns for a packet to forward: (sequence, timestamp, marker, payload type,
# audio level byte or -1, payload, padding flag).
Parsed = tuple[int, int, int, int, int, bytes, int]


class UpTrack:
    def __init__(
        self,
        session_id: str,
        user_id: str,
        source: str,
        kind: str,
        *,
        feedback: Callable[[bytes], None],
        schedule: Callable[[float, Callable[[], None]], Any],
        keyframe_interval: float = 0.5,
    ) -> None:
        self.session_id = session_id
        self.user_id = user_id
        self.source = source
        self.kind = kind
        self.video = kind == "video"
        self.feedback = feedback
        self._schedule = schedule
        self._keyframe_interval = keyframe_interval
        self.downtracks: list[Any] = []  # DownTrack; Any avoids an import cycle of types
        # Whether packets are forwarded at all (a moderator's mute, a block mid-call stop it).
        self._muted = False
        self._may_publish = True
        # The client published it paused (its own mute: mic off, camera off) — shown, not enforced.
        self.paused_at_source = False
        self.rtcp_ssrc = 0
        self.mid = ""
        self.ssrc: int | None = None
        self.rtx_ssrc: int | None = None
        self.codecs: dict[int, Codec] = {}
        self.codec_name = ""
        self.clock_rate = 90000 if self.video else 48000
        self._rtx_apt: dict[int, int] = {}
        self._level_id = 0
        self.bound = False
        self._reset_stream()
        self._last_keyframe_request = -1e9
        self._keyframe_pending = False
        self.keyframe_requests_sent = 0
        # The audio level summed since the speaker detector last read it.
        self.loudness = 0
        self.voiced = 0
        # Counters the metrics read (and reset).
        self.packets_in = 0
        self.bytes_in = 0
        self.rtx_in = 0
        self.nacks_sent = 0
        self.lost_unreported = 0

    @property
    def forwarding(self) -> bool:
        return not self._muted and self._may_publish

    @property
    def muted(self) -> bool:
        return self._muted

    @muted.setter
    def muted(self, muted: bool) -> None:
        was = self.forwarding
        self._muted = muted
        self._forwarding_changed(was)

    @property
    def may_publish(self) -> bool:
        return self._may_publish

    @may_publish.setter
    def may_publish(self, may_publish: bool) -> None:
        was = self.forwarding
        self._may_publish = may_publish
        self._forwarding_changed(was)

    def _forwarding_changed(self, was: bool) -> None:
        # What was held back leaves no sequence gap: each down-track resyncs (video at a key frame).
        if self.forwarding and not was:
            for downtrack in self.downtracks:
                downtrack.resync()
            self.request_keyframe(time.monotonic())

    def _reset_stream(self) -> None:
        self.base_seq: int | None = None
        self.max_seq = 0
        self.cycles = 0
        self.received = 0
        self._expected_prior = 0
        self._received_prior = 0
        self.lost_total = 0
        self._missing: dict[int, list[float]] = {}
        self._next_nack_check = 0.0
        self.sr_rtp: int | None = None
        self.sr_ntp = 0
        self.sr_arrival = 0.0

    def bind(self, parameters: RtpParameters, rtcp_ssrc: int) -> None:
        """The publisher's (new) peer connection negotiated this m-line for the source."""
        self.mid = parameters.mid
        self.rtcp_ssrc = rtcp_ssrc
        self.codecs = {codec.payload_type: codec for codec in parameters.codecs}
        self._rtx_apt = {}
        for codec in parameters.codecs:
            apt = codec.parameter("apt")
            if codec.is_rtx and apt is not None and apt.isdigit():
                self._rtx_apt[codec.payload_type] = int(apt)
        media = next((codec for codec in parameters.codecs if not codec.is_rtx), None)
        if media is not None:
            self.codec_name = media.name
            self.clock_rate = media.clock_rate
        self._level_id = parameters.extension_id(AUDIO_LEVEL_URI) if not self.video else 0
        self.ssrc = parameters.ssrc
        self.rtx_ssrc = parameters.rtx_ssrc
        self.bound = True
        self._reset_stream()

    def learn_ssrc(self, ssrc: int, payload_type: int) -> None:
        """An SSRC the SDP did not name, seen with this track's mid or payload type."""
        if payload_type in self._rtx_apt:
            self.rtx_ssrc = ssrc
        elif self.ssrc != ssrc:
            self.ssrc = ssrc
            self._reset_stream()

    # --- packets in -------------------------------------------------------------------------------

    def on_packet(self, data: bytes, ssrc: int, now: float) -> Parsed | None:
        """Reads one decrypted RTP packet of this track; returns what to forward, or None."""
        self.packets_in += 1
        self.bytes_in += len(data)
        if ssrc != self.ssrc:
            if ssrc != self.rtx_ssrc:
                return None
            b1 = data[1] & 0x7F
            apt = self._rtx_apt.get(b1)
            if apt is None or self.ssrc is None:
                return None
            self.rtx_in += 1
            unwrapped = unwrap_rtx(data, apt, self.ssrc)
            if unwrapped is None:
                return None  # padding-only probe
            data = unwrapped
        b0, b1, seq, ts, _ = HEADER.unpack_from(data)
        offset = 12 + 4 * (b0 & 0x0F)
        level = -1
        if b0 & EXTENSION_BIT:
            profile, words = EXTENSION_HEADER.unpack_from(data, offset)
            start = offset + 4
            offset = start + 4 * words
            if self._level_id and profile == ONE_BYTE_PROFILE:
                at = find_one_byte_extension(data, start, offset, self._level_id)
                if at >= 0:
                    level = data[at]
                    if level & 0x7F <= SPEECH_LEVEL:
                        self.voiced += 1
                        self.loudness += SPEECH_LEVEL + 1 - (level & 0x7F)
        if offset > len(data):
            return None
        self._count(seq, now)
        return seq, ts, b1 >> 7, b1 & 0x7F, level, data[offset:], b0 & 0x20

    def _count(self, seq: int, now: float) -> None:
        self.received += 1
        if self.base_seq is None:
            self.base_seq = self.max_seq = seq
            return
        delta = (seq - self.max_seq) & 0xFFFF
        if 0 < delta < 0x8000:
            if delta > MAX_GAP:
                self._missing.clear()
            elif self.video and delta > 1:
                missing = self._missing
                for lost in range(self.max_seq + 1, self.max_seq + delta):
                    missing[lost & 0xFFFF] = [0.0, 0.0]
                while len(missing) > MAX_MISSING:
                    del missing[next(iter(missing))]
                    self.lost_total += 1
                    self.lost_unreported += 1
            if seq < self.max_seq:
                self.cycles += 0x10000
            self.max_seq = seq
        elif self._missing:
            self._missing.pop(seq, None)
        if self._missing and now >= self._next_nack_check:
            self._nack(now)

    def _nack(self, now: float) -> None:
        self._next_nack_check = now + NACK_CHECK_INTERVAL
        spacing = min(0.4, max(NACK_CHECK_INTERVAL, DEFAULT_RTT))
        due = []
        for seq, entry in list(self._missing.items()):
            if now - entry[1] < spacing:
                continue
            if entry[0] >= MAX_NACK_TRIES:
                del self._missing[seq]
                self.lost_total += 1
                self.lost_unreported += 1
                continue
            entry[0] += 1
            entry[1] = now
            due.append(seq)
        if due and self.ssrc is not None:
            self.nacks_sent += 1
            self.feedback(rtcp.nack(self.rtcp_ssrc, self.ssrc, due))

    @property
    def missing(self) -> list[int]:
        """Sequence numbers lost on the publisher's leg and still asked for."""
        return list(self._missing)

    def on_sender_report(self, report: rtcp.SenderReport, now: float) -> None:
        self.sr_ntp = report.ntp
        self.sr_rtp = report.rtp_timestamp
        self.sr_arrival = now

    def rtp_time(self, now: float) -> int | None:
        """The publisher's RTP timestamp for `now`, from its last sender report (None before one)."""
        if self.sr_rtp is None:
            return None
        return (self.sr_rtp + int((now - self.sr_arrival) * self.clock_rate)) & 0xFFFFFFFF

    # --- feedback to the publisher ----------------------------------------------------------------

    def request_keyframe(self, now: float) -> None:
        """A keyframe is wanted (a subscriber's PLI/FIR, a join, a resume): at most one request to
        the publisher per interval; one asked meanwhile is sent when the interval ends."""
        if not self.video or self.ssrc is None:
            return
        wait = self._last_keyframe_request + self._keyframe_interval - now
        if wait <= 0:
            self._send_keyframe_request(now)
        elif not self._keyframe_pending:
            self._keyframe_pending = True
            self._schedule(wait, self._send_pending_keyframe_request)

    def _send_pending_keyframe_request(self) -> None:
        if self._keyframe_pending:
            self._keyframe_pending = False
            self._send_keyframe_request(self._last_keyframe_request + self._keyframe_interval)

    def _send_keyframe_request(self, now: float) -> None:
        self._keyframe_pending = False
        self._last_keyframe_request = now
        if self.ssrc is not None:
            self.keyframe_requests_sent += 1
            self.feedback(rtcp.pli(self.rtcp_ssrc, self.ssrc))

    def receiver_report(self, now: float) -> rtcp.ReportBlock | None:
        """This track's block of the receiver report the SFU sends the publisher."""
        if self.ssrc is None or self.base_seq is None:
            return None
        extended_max = self.cycles + self.max_seq
        expected = extended_max - self.base_seq + 1
        expected_interval = expected - self._expected_prior
        received_interval = self.received - self._received_prior
        self._expected_prior = expected
        self._received_prior = self.received
        lost_interval = expected_interval - received_interval
        fraction = (
            (lost_interval << 8) // expected_interval if expected_interval > 0 and lost_interval > 0 else 0
        )
        lost = max(-0x800000, min(0x7FFFFF, expected - self.received))
        lsr = dlsr = 0
        if self.sr_rtp is not None:
            lsr = rtcp.ntp_middle(self.sr_ntp)
            dlsr = int((now - self.sr_arrival) * 65536)
        return rtcp.ReportBlock(self.ssrc, min(fraction, 255), lost, extended_max, 0, lsr, dlsr)

    def take_loudness(self) -> tuple[int, int]:
        """(loudness, speech packets) since the last call; resets both."""
        loudness, voiced = self.loudness, self.voiced
        self.loudness = self.voiced = 0
        return loudness, voiced
