"""Where packets meet transports: a publisher's packet to every down-track of its up-track, and a
subscriber's RTCP (NACK, PLI/FIR, reports) to the down-tracks it is about. The transports' send
functions come in as plain callables, so this runs the same over aiortc's transports and in tests."""

from __future__ import annotations

import time

from services.media.sfu.adapter import SendNow
from services.media.sfu.forwarding import rtcp
from services.media.sfu.forwarding.downtrack import DownTrack
from services.media.sfu.forwarding.uptrack import UpTrack


def fan_out(up: UpTrack, data: bytes, ssrc: int, now: float) -> None:
    """One decrypted packet of a publisher, rewritten for and sent to each of its down-tracks."""
    parsed = up.on_packet(data, ssrc, now)
    if parsed is None or not up.forwarding:
        return
    seq, ts, marker, pt, level, payload, padding = parsed
    source = up.ssrc or 0
    for downtrack in up.downtracks:
        packet = downtrack.rewrite(source, seq, ts, marker, pt, level, payload, padding, now)
        if packet is not None:
            send = downtrack.send
            if send is not None:
                try:  # noqa: SIM105 (the per-packet path: a plain try costs nothing)
                    send(packet)
                except ConnectionError:
                    pass


def answer_feedback(data: bytes, downtracks: dict[int, DownTrack], send: SendNow) -> None:
    """A subscriber's RTCP: NACKs answered from the history, keyframe requests passed up (collapsed
    there), report blocks giving each down-track its round-trip time."""
    now = time.monotonic()
    for record in rtcp.parse(data):
        if isinstance(record, rtcp.Nack):
            downtrack = downtracks.get(record.media_ssrc)
            if downtrack is not None:
                for packet in downtrack.on_nack(record.lost, now):
                    send(packet)
        elif isinstance(record, rtcp.KeyframeRequest):
            downtrack = downtracks.get(record.media_ssrc)
            if downtrack is not None:
                downtrack.on_keyframe_request(now)
        elif isinstance(record, rtcp.SenderReport | rtcp.ReceiverReport):
            for block in record.reports:
                downtrack = downtracks.get(block.ssrc)
                if downtrack is not None:
                    downtrack.on_report(block, time.time())


def take_sender_reports(data: bytes, uptracks: dict[int, UpTrack]) -> None:
    """A publisher's RTCP: its sender reports give each up-track its RTP ↔ NTP clock."""
    now = time.monotonic()
    for record in rtcp.parse(data):
        if isinstance(record, rtcp.SenderReport):
            up = uptracks.get(record.ssrc)
            if up is not None and record.ssrc == up.ssrc:
                up.on_sender_report(record, now)
