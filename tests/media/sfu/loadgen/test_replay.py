"""The replay track hands out the clip's packets at the pace of real time — never ahead of a packet's
presentation time — with presentation timestamps that keep rising across loops of the clip."""

from __future__ import annotations

import asyncio
import itertools

from services.media.sfu.loadgen import Clip, ReplayTrack


async def test_replay_never_runs_ahead_of_real_time_and_its_timestamps_keep_rising(clip: Clip) -> None:
    track = ReplayTrack(clip.video)
    loop = asyncio.get_running_loop()
    pts: list[int] = []
    start: float | None = None
    for _ in range(len(clip.video.packets) * 2 + 5):  # past two loop boundaries
        packet = await track.recv()
        now = loop.time()
        start = now if start is None else start
        assert packet.time_base == clip.video.time_base
        assert now - start >= float(packet.pts * packet.time_base) - 0.002  # never early
        pts.append(int(packet.pts))
    track.stop()
    assert all(later > earlier for earlier, later in itertools.pairwise(pts))
    assert pts[len(clip.video.packets)] == clip.video.duration  # the second loop follows on
    assert track.sent == len(pts)


async def test_audio_replays_as_opus_packets_twenty_ms_apart(clip: Clip) -> None:
    track = ReplayTrack(clip.audio)
    first = await track.recv()
    second = await track.recv()
    track.stop()
    assert track.kind == "audio"
    assert float((second.pts - first.pts) * second.time_base) == 0.02
    assert bytes(first) == clip.audio.packets[0].data
