"""One subscriber's copy of an up-track: the packet as this subscriber's m-line wants it.

Per down-track, as LiveKit and mediasoup do: its own SSRC (the one its SDP announced), payload
types and header-extension ids of its negotiation, and sequence numbers and timestamps that run on
without a jump when the source behind it changes (another publisher on this m-line, the publisher's
new peer connection) or when it was paused and resumes: sequence numbers continue from the last one
sent, timestamps from the last one sent plus the wall-clock time since (the same source resuming
keeps its timestamp offset, so its clock stays in step with the publisher's sender reports). Video
restarts only at a keyframe, asked for when needed.

A history of what it sent (video 500 packets, audio 200, as LiveKit) answers the subscriber's NACKs:
RTX (RFC 4588) when negotiated, the packet itself otherwise; a NACK repeated within one RTT is
ignored. Sender reports map its timestamps to NTP time from the publisher's own sender reports.
"""

from __future__ import annotations

from services.media.sfu.adapter import AUDIO_LEVEL_URI, Codec, RtpParameters, SendNow
from services.media.sfu.forwarding import rtcp
from services.media.sfu.forwarding.packets import HEADER, is_keyframe, wrap_rtx
from services.media.sfu.forwarding.uptrack import UpTrack

VIDEO_HISTORY = 500
AUDIO_HISTORY = 200
DEFAULT_RTT = 0.07
MAX_RESENDS = 3

_pack = HEADER.pack

# One-byte-header extension blocks carrying only an audio level, by extension id then level byte.
_LEVEL_BLOCKS: dict[int, list[bytes]] = {}


def _level_block(ext_id: int, level: int) -> bytes:
    blocks = _LEVEL_BLOCKS.get(ext_id)
    if blocks is None:
        blocks = _LEVEL_BLOCKS[ext_id] = [
            bytes((0xBE, 0xDE, 0, 1, ext_id << 4, byte, 0, 0)) for byte in range(256)
        ]
    return blocks[level]


def _same_codec(a: Codec, b: Codec) -> bool:
    if a.mime_type.lower() != b.mime_type.lower() or a.clock_rate != b.clock_rate:
        return False
    if a.name == "h264":
        return a.parameter("packetization-mode") == b.parameter("packetization-mode")
    return True


class DownTrack:
    def __init__(
        self, up: UpTrack, ssrc: int, rtx_ssrc: int, *, initial_sequence: int, initial_timestamp: int
    ) -> None:
        self.up = up
        self.ssrc = ssrc
        self.rtx_ssrc = rtx_ssrc
        # The subscriber transport's send (set by the engine; the down-track itself does no I/O).
        self.send: SendNow | None = None
        self.video = up.video
        size = VIDEO_HISTORY if self.video else AUDIO_HISTORY
        self._size = size
        self._history: list[bytes | None] = [None] * size
        # Resends by history slot: (the packet resent, when last, how often) — kept off the per-packet path.
        self._resent: dict[int, tuple[bytes, float, int]] = {}
        self.parameters: RtpParameters | None = None
        self._pt_map: dict[int, int] = {}
        self._rtx_pt = 0
        self._level_id = 0
        self.clock_rate = up.clock_rate
        # Paused: the subscriber's client does not show it (or it is not negotiated yet).
        self.paused = False
        self._source: int | None = None  # the SSRC of the stream the offsets were set for
        self._need_resync = True
        # The source packets go straight through for (offsets set, not paused, negotiated): one
        # comparison on the per-packet path; None whenever the slow path must look first.
        self._live: int | None = None
        self._seq_offset = 0
        self._ts_offset = 0
        self._base_seq = 0
        self.last_seq = initial_sequence & 0xFFFF
        self.last_ts = initial_timestamp & 0xFFFFFFFF
        self._started = False
        self.last_sent_at = 0.0
        self._rtx_seq = (initial_sequence + 0x4000) & 0x7FFF
        self.rtt = DEFAULT_RTT
        # Counters (sender reports; the metrics read and reset the *_count ones).
        self.packets_sent = 0
        self.octets_sent = 0
        # What the metrics have counted of packets_sent / octets_sent.
        self.packets_counted = 0
        self.octets_counted = 0
        self.rtx_sent = 0
        self.nacks_received = 0
        self.keyframe_requests_received = 0
        # The fraction lost in the subscriber's last receiver report (None: none since read).
        self.reported_loss: float | None = None

    def configure(self, parameters: RtpParameters) -> None:
        """The subscriber's answer negotiated this m-line (payload types, RTX, extension ids)."""
        self.parameters = parameters
        self._level_id = parameters.extension_id(AUDIO_LEVEL_URI)
        self._map_payload_types()

    def _map_payload_types(self) -> None:
        self._pt_map = {}
        self._rtx_pt = 0
        if self.parameters is None:
            return
        mine = self.parameters.codecs
        for up_pt, up_codec in self.up.codecs.items():
            if up_codec.is_rtx:
                continue
            match = next((codec for codec in mine if not codec.is_rtx and _same_codec(codec, up_codec)), None)
            if match is not None:
                self._pt_map[up_pt] = match.payload_type
        in_use = next((codec for codec in mine if not codec.is_rtx), None)
        if in_use is not None:
            self._rtx_pt = next(
                (
                    codec.payload_type
                    for codec in mine
                    if codec.is_rtx and codec.parameter("apt") == str(in_use.payload_type)
                ),
                0,
            )

    @property
    def active(self) -> bool:
        return self.parameters is not None and not self.paused

    def pause(self) -> None:
        self.paused = True
        self._live = None

    def resume(self, now: float) -> None:
        """Forwarding again: sequence numbers continue; video waits for a keyframe, asked for now."""
        if not self.paused:
            return
        self.paused = False
        self._need_resync = True
        self._live = None
        self.up.request_keyframe(now)

    def resync(self) -> None:
        """Packets were held back upstream (a mute, a block): continue without a gap."""
        self._need_resync = True
        self._live = None

    def switch_source(self, up: UpTrack, now: float) -> None:
        """Another up-track feeds this m-line from now on (seamless for the subscriber)."""
        self.up = up
        self._source = None
        self._need_resync = True
        self._live = None
        self.clock_rate = up.clock_rate
        self._map_payload_types()
        up.request_keyframe(now)

    # --- the per-packet path ----------------------------------------------------------------------

    def rewrite(
        self,
        source: int,
        seq: int,
        ts: int,
        marker: int,
        pt: int,
        level: int,
        payload: bytes,
        padding: int,
        now: float,
    ) -> bytes | None:
        """The packet for this subscriber, or None when it must not be sent (paused, waiting for a
        keyframe, before a resync point, a payload type it did not negotiate)."""
        if source != self._live:
            if self.paused or self.parameters is None:
                return None
            if self._need_resync or source != self._source:
                if self.video and not is_keyframe(self.up.codec_name, payload):
                    self.up.request_keyframe(now)
                    return None
                self._resync(source, seq, ts, now)
            self._live = source
        out_pt = self._pt_map.get(pt)
        if out_pt is None:
            return None
        seq_out = (seq + self._seq_offset) & 0xFFFF
        delta = (seq_out - self.last_seq) & 0xFFFF
        ts_out = (ts + self._ts_offset) & 0xFFFFFFFF
        if 0 < delta < 0x8000:
            self.last_seq = seq_out
            self.last_ts = ts_out
            self.last_sent_at = now
        elif ((seq_out - self._base_seq) & 0xFFFF) >= 0x8000 or delta == 0:
            return None  # from before the resync point, or a duplicate
        if level < 0 or not self._level_id:
            packet = _pack(0x80 | padding, marker << 7 | out_pt, seq_out, ts_out, self.ssrc) + payload
        else:
            packet = b"".join(
                (
                    _pack(0x90 | padding, marker << 7 | out_pt, seq_out, ts_out, self.ssrc),
                    _level_block(self._level_id, level),
                    payload,
                )
            )
        self._history[seq_out % self._size] = packet
        self.packets_sent += 1
        self.octets_sent += len(payload)
        return packet

    def _resync(self, source: int, seq: int, ts: int, now: float) -> None:
        same_source = source == self._source
        self._source = source
        self._need_resync = False
        if not self._started:
            self._started = True
            self._map_payload_types()
            self._seq_offset = (self.last_seq - seq) & 0xFFFF
            self._ts_offset = (self.last_ts - ts) & 0xFFFFFFFF
            self.last_seq = (self.last_seq - 1) & 0xFFFF
            self._base_seq = (seq + self._seq_offset) & 0xFFFF
            return
        self._seq_offset = (self.last_seq + 1 - seq) & 0xFFFF
        self._base_seq = (seq + self._seq_offset) & 0xFFFF
        if not same_source:
            self._map_payload_types()
            elapsed = max(1, int((now - self.last_sent_at) * self.clock_rate))
            self._ts_offset = (self.last_ts + elapsed - ts) & 0xFFFFFFFF

    # --- feedback from the subscriber -------------------------------------------------------------

    def on_nack(self, lost: tuple[int, ...] | list[int], now: float) -> list[bytes]:
        """The packets answering the subscriber's NACK (RTX-wrapped when negotiated)."""
        self.nacks_received += 1
        answers = []
        for seq in lost:
            slot = seq % self._size
            packet = self._history[slot]
            if packet is None or packet[2] << 8 | packet[3] != seq:
                continue
            resent = self._resent.get(slot)
            count = 0
            if resent is not None and resent[0] is packet:
                if now - resent[1] < self.rtt or resent[2] >= MAX_RESENDS:
                    continue
                count = resent[2]
            if len(self._resent) >= self._size:
                self._resent.clear()
            self._resent[slot] = (packet, now, count + 1)
            if self._rtx_pt:
                answers.append(wrap_rtx(packet, self._rtx_pt, self._rtx_seq, self.rtx_ssrc))
                self._rtx_seq = (self._rtx_seq + 1) & 0xFFFF
            else:
                answers.append(packet)
            self.rtx_sent += 1
        return answers

    def on_keyframe_request(self, now: float) -> None:
        self.keyframe_requests_received += 1
        self.up.request_keyframe(now)

    def on_report(self, block: rtcp.ReportBlock, now: float) -> None:
        """A report block about this down-track: the loss the subscriber saw, and the round-trip time
        from our last sender report."""
        self.reported_loss = block.fraction_lost / 256
        if block.lsr:
            delay = (rtcp.ntp_middle(rtcp.ntp_now(now)) - block.lsr - block.dlsr) & 0xFFFFFFFF
            if delay < 0x80000000:
                self.rtt = max(0.005, min(1.0, delay / 65536))

    def sender_report(self, now: float, wall: float) -> bytes | None:
        """This down-track's SR: NTP `wall`, the RTP time the publisher's report maps it to (or the
        last timestamp sent plus the time since), the packets and octets sent."""
        if not self._started:
            return None
        publisher_time = self.up.rtp_time(now) if self._source == self.up.ssrc else None
        if publisher_time is not None:
            rtp_time = (publisher_time + self._ts_offset) & 0xFFFFFFFF
        else:
            rtp_time = (self.last_ts + int((now - self.last_sent_at) * self.clock_rate)) & 0xFFFFFFFF
        return rtcp.sender_report(
            self.ssrc, rtcp.ntp_now(wall), rtp_time, self.packets_sent, self.octets_sent
        )
