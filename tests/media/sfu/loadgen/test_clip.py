"""The pre-encoded clip: keyframes only at the GOP interval (a generated frame's picture type is
cleared, or every frame would be one), every packet's bytes distinct, and a second load comes from
the cache."""

from __future__ import annotations

from pathlib import Path

from services.media.sfu.loadgen import Clip, ClipSpec, load_clip
from services.media.sfu.loadgen.clip import AUDIO_CLOCK, OPUS_FRAME_SAMPLES, VIDEO_CLOCK


def test_video_has_a_keyframe_per_interval_not_on_every_frame(clip: Clip) -> None:
    keyframes = [index for index, packet in enumerate(clip.video.packets) if packet.keyframe]
    assert keyframes == [0, 10, 20]  # 25 frames, a keyframe every 0.4 s = 10 frames
    assert clip.video.packets[0].data[0] & 0x01 == 0  # VP8: bit 0 of the frame tag clear = keyframe
    assert all(
        packet.data[0] & 0x01 for index, packet in enumerate(clip.video.packets) if index not in keyframes
    )


def test_streams_are_evenly_timed_from_zero(clip: Clip) -> None:
    assert [p.pts for p in clip.video.packets] == [i * VIDEO_CLOCK // 25 for i in range(25)]
    assert clip.video.duration == VIDEO_CLOCK
    assert [p.pts for p in clip.audio.packets] == [
        i * OPUS_FRAME_SAMPLES for i in range(len(clip.audio.packets))
    ]
    assert clip.audio.duration == len(clip.audio.packets) * OPUS_FRAME_SAMPLES
    assert len(clip.audio.packets) >= AUDIO_CLOCK // OPUS_FRAME_SAMPLES


def test_no_two_packets_carry_the_same_bytes(clip: Clip) -> None:
    payloads = [p.data for p in clip.video.packets + clip.audio.packets]
    assert len(set(payloads)) == len(payloads)


def test_a_second_load_reads_the_cache(clip: Clip, tmp_path: Path) -> None:
    spec = ClipSpec(width=160, height=90, seconds=0.2)
    first = load_clip(spec, cache_dir=tmp_path)
    assert list(tmp_path.glob("clip-*.bin"))
    assert load_clip(spec, cache_dir=tmp_path) == first
