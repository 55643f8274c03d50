"""`ReplayTrack`: an aiortc `MediaStreamTrack` that replays one stream of a pre-encoded clip forever.

It hands aiortc's `RTCRtpSender` `av.Packet`s, which the sender packetizes as they are (no
encoding; `_next_encoded_frame` in aiortc/rtcrtpsender.py). Pacing is real time against one start
instant, so a slow moment is caught up rather than accumulated, and the presentation timestamps
keep rising across loops (each loop adds the stream's duration) — unlike
`MediaPlayer(decode=False, loop=True)`, whose timestamps restart at 0 (VERIFIED.md).
"""

from __future__ import annotations

import asyncio
from typing import Any

import av
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from services.media.sfu.loadgen.clip import Stream


class ReplayTrack(MediaStreamTrack):
    """Replays `stream` in real time from the first `recv()`; `sent` counts the packets handed out."""

    def __init__(self, stream: Stream) -> None:
        super().__init__()
        self.kind = stream.kind
        self.stream = stream
        self.sent = 0
        self._start: float | None = None

    def due(self, index: int) -> tuple[int, float]:
        """The `index`-th packet's presentation timestamp (stream clock) and its due time in seconds
        after the start."""
        stream = self.stream
        loop_count, position = divmod(index, len(stream.packets))
        pts = loop_count * stream.duration + stream.packets[position].pts
        return pts, pts / stream.clock_rate

    async def recv(self) -> av.Packet[Any]:
        if self.readyState != "live":
            raise MediaStreamError
        loop = asyncio.get_running_loop()
        if self._start is None:
            self._start = loop.time()
        index = self.sent
        pts, offset = self.due(index)
        wait = self._start + offset - loop.time()
        if wait > 0:
            await asyncio.sleep(wait)
        encoded = self.stream.packets[index % len(self.stream.packets)]
        packet = av.Packet(encoded.data)
        packet.pts = pts
        packet.dts = pts
        packet.time_base = self.stream.time_base
        self.sent = index + 1
        return packet
