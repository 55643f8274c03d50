"""The pre-encoded clip the load generator's publishers replay: VP8 video and Opus audio packets,
encoded once with PyAV from a synthetic moving pattern and cached on disk.

Encoding happens once per set of parameters (a few seconds of CPU); replaying costs nothing but
packetizing. The pattern moves and carries noise so that the encoder reaches its target bitrate and
no two packets of one loop carry the same bytes (the benchmark recognises packets by their payload).
Each frame's picture type is cleared before encoding: PyAV otherwise flags generated frames as
keyframes and libvpx then makes every frame one (see VERIFIED.md). Keyframes come every
`keyframe_interval_s` seconds (the encoder's GOP).

The cache file holds, per stream, a header line of JSON and then, per packet, `<pts:u64><key:u8>
<size:u32>` and the bytes — no pickle.
"""

from __future__ import annotations

import array
import hashlib
import json
import math
import os
import random
import struct
from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
from av.audio.frame import AudioFrame
from av.video.frame import PictureType, VideoFrame

VIDEO_CLOCK = 90_000
AUDIO_CLOCK = 48_000
OPUS_FRAME_SAMPLES = 960  # 20 ms at 48 kHz
_RECORD = struct.Struct("<QBI")
_FORMAT = 1


@dataclass(frozen=True)
class ClipSpec:
    """What to encode. The defaults are a webcam-like stream: 640×360 VP8 at 25 fps, ≈0.6 Mbit/s,
    a keyframe every 2 s, and 20 ms Opus frames, 10 s long (then the replay loops)."""

    width: int = 640
    height: int = 360
    fps: int = 25
    video_kbps: int = 600
    keyframe_interval_s: float = 2.0
    audio_kbps: int = 32
    seconds: float = 10.0
    seed: int = 13

    def key(self) -> str:
        text = json.dumps({"format": _FORMAT, **asdict(self)}, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class EncodedPacket:
    pts: int  # in the stream's clock (VIDEO_CLOCK or AUDIO_CLOCK), from 0
    keyframe: bool
    data: bytes


@dataclass(frozen=True)
class Stream:
    """One encoded stream of the clip: its packets and how long one loop of it lasts."""

    kind: str  # "video" | "audio"
    clock_rate: int
    duration: int  # one loop, in clock ticks; the replay adds it to the pts at each loop
    packets: tuple[EncodedPacket, ...]

    @property
    def time_base(self) -> Fraction:
        return Fraction(1, self.clock_rate)

    @property
    def bitrate_bps(self) -> float:
        return sum(len(p.data) for p in self.packets) * 8 * self.clock_rate / self.duration


@dataclass(frozen=True)
class Clip:
    spec: ClipSpec
    video: Stream
    audio: Stream


def default_cache_dir() -> Path:
    """`$PARTA_LOADGEN_CACHE`, else `$XDG_CACHE_HOME/parta/loadgen`, else `~/.cache/parta/loadgen`."""
    explicit = os.environ.get("PARTA_LOADGEN_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "parta" / "loadgen"


def load_clip(spec: ClipSpec | None = None, cache_dir: Path | None = None) -> Clip:
    """The clip for `spec`, encoded now if the cache does not hold it yet."""
    spec = spec or ClipSpec()
    directory = cache_dir or default_cache_dir()
    path = directory / f"clip-{spec.key()}.bin"
    if path.exists():
        return _read(spec, path)
    clip = encode_clip(spec)
    directory.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    _write(clip, partial)
    partial.replace(path)  # atomic: concurrent generators never see a half-written file
    return clip


def encode_clip(spec: ClipSpec) -> Clip:
    return Clip(spec=spec, video=_encode_video(spec), audio=_encode_audio(spec))


def _encode_video(spec: ClipSpec) -> Stream:
    frames = round(spec.seconds * spec.fps)
    codec = av.CodecContext.create("libvpx", "w")
    codec.width = spec.width
    codec.height = spec.height
    codec.pix_fmt = "yuv420p"
    codec.time_base = Fraction(1, spec.fps)
    codec.framerate = Fraction(spec.fps, 1)
    codec.bit_rate = spec.video_kbps * 1000
    codec.gop_size = max(1, round(spec.keyframe_interval_s * spec.fps))
    codec.options = {
        "deadline": "realtime",
        "cpu-used": "8",
        "lag-in-frames": "0",
        "error-resilient": "1",
        "auto-alt-ref": "0",
        "kf_min_dist": str(codec.gop_size),
        "rc_lookahead": "0",
    }
    painter = _Painter(spec)
    ticks_per_frame = VIDEO_CLOCK // spec.fps
    packets: list[EncodedPacket] = []

    def collect(encoded: list[av.Packet[Any]]) -> None:
        for packet in encoded:
            pts = int(packet.pts or 0) * ticks_per_frame
            packets.append(EncodedPacket(pts=pts, keyframe=bool(packet.is_keyframe), data=bytes(packet)))

    for index in range(frames):
        frame = painter.frame(index)
        frame.pts = index
        frame.time_base = codec.time_base
        frame.pict_type = PictureType.NONE
        collect(codec.encode(frame))
    collect(codec.encode(None))
    return Stream("video", VIDEO_CLOCK, frames * ticks_per_frame, tuple(packets))


class _Painter:
    """A moving pattern: diagonal bars sliding by, a bouncing block of fresh noise, light grain."""

    def __init__(self, spec: ClipSpec) -> None:
        self.spec = spec
        self.random = random.Random(spec.seed)
        w = spec.width
        self.bar_row = bytes((x * 3) & 0xFF for x in range(2 * w))

    def frame(self, index: int) -> VideoFrame:
        spec = self.spec
        w, h = spec.width, spec.height
        shift = (index * 7) % w
        rows = bytearray()
        for y in range(h):
            start = (shift + y) % w
            rows += self.bar_row[start : start + w]
        block_w, block_h = w // 6, h // 6
        bx = int((w - block_w) * (0.5 + 0.5 * math.sin(index / 17)))
        by = int((h - block_h) * (0.5 + 0.5 * math.cos(index / 23)))
        for y in range(by, by + block_h):
            offset = y * w + bx
            rows[offset : offset + block_w] = self.random.randbytes(block_w)
        frame = VideoFrame(w, h, "yuv420p")
        frame.planes[0].update(bytes(rows))
        chroma = (w // 2) * (h // 2)
        frame.planes[1].update(bytes([(index * 2) & 0xFF]) * chroma)
        frame.planes[2].update(bytes([(255 - index) & 0xFF]) * chroma)
        return frame


def _encode_audio(spec: ClipSpec) -> Stream:
    frames = round(spec.seconds * AUDIO_CLOCK / OPUS_FRAME_SAMPLES)
    codec = av.CodecContext.create("libopus", "w")
    codec.sample_rate = AUDIO_CLOCK
    codec.layout = "stereo"
    codec.format = "s16"
    codec.bit_rate = spec.audio_kbps * 1000
    codec.time_base = Fraction(1, AUDIO_CLOCK)
    codec.options = {"frame_duration": "20", "application": "voip"}
    noise = random.Random(spec.seed + 1)
    packets: list[EncodedPacket] = []
    first: list[int] = []

    def collect(encoded: list[av.Packet[Any]]) -> None:
        for packet in encoded:
            pts = int(packet.pts or 0)
            if not first:
                first.append(pts)
            packets.append(EncodedPacket(pts=pts - first[0], keyframe=True, data=bytes(packet)))

    for index in range(frames):
        samples = array.array("h")
        for n in range(OPUS_FRAME_SAMPLES):
            t = (index * OPUS_FRAME_SAMPLES + n) / AUDIO_CLOCK
            tone = 3000 * math.sin(2 * math.pi * (220 + 40 * math.sin(t)) * t)
            value = int(tone + noise.uniform(-600, 600))
            samples.append(value)
            samples.append(value)
        frame = AudioFrame(format="s16", layout="stereo", samples=OPUS_FRAME_SAMPLES)
        frame.sample_rate = AUDIO_CLOCK
        frame.planes[0].update(samples.tobytes())
        frame.pts = index * OPUS_FRAME_SAMPLES
        frame.time_base = codec.time_base
        collect(codec.encode(frame))
    collect(codec.encode(None))
    return Stream("audio", AUDIO_CLOCK, len(packets) * OPUS_FRAME_SAMPLES, tuple(packets))


def _write(clip: Clip, path: Path) -> None:
    with path.open("wb") as out:
        for stream in (clip.video, clip.audio):
            header = {"kind": stream.kind, "clock_rate": stream.clock_rate, "duration": stream.duration}
            header["count"] = len(stream.packets)
            out.write(json.dumps(header).encode() + b"\n")
            for packet in stream.packets:
                out.write(_RECORD.pack(packet.pts, int(packet.keyframe), len(packet.data)))
                out.write(packet.data)


def _read(spec: ClipSpec, path: Path) -> Clip:
    data = path.read_bytes()
    offset = 0
    streams: list[Stream] = []
    for _ in range(2):
        end = data.index(b"\n", offset)
        header = json.loads(data[offset:end])
        offset = end + 1
        packets: list[EncodedPacket] = []
        for _ in range(int(header["count"])):
            pts, key, size = _RECORD.unpack_from(data, offset)
            offset += _RECORD.size
            packets.append(EncodedPacket(pts=pts, keyframe=bool(key), data=data[offset : offset + size]))
            offset += size
        streams.append(
            Stream(header["kind"], int(header["clock_rate"]), int(header["duration"]), tuple(packets))
        )
    video, audio = streams
    return Clip(spec=spec, video=video, audio=audio)
