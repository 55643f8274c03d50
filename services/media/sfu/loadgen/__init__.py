"""Client peers for load and smoke tests of the SFU: they publish a pre-encoded clip without encoding
and subscribe without decoding, on loopback only.

The public surface (everything else is internal):
- `load_clip(spec=None, cache_dir=None) -> Clip` / `ClipSpec`: the VP8 + Opus clip, encoded once and
  cached (clip.py);
- `ReplayTrack(stream)`: an aiortc track replaying one stream of the clip in real time, forever (replay.py);
- `Publisher(clip)`: `offer()` → SDP, `accept(answer)`, `stats` (packets, RTX, feedback received);
- `Subscriber(loss=0.0)`: `answer(offer)` → SDP (each re-offer too), `stats` (packets, RTX, frames
  drained, feedback sent, per-stream sequence logs for residual loss), `undecoded()`;
- `loopback_configuration()`: no STUN/TURN, max-bundle (peers.py).
Every peer gathers on 127.0.0.1 only and drops candidates from outside 127.0.0.0/8; the aiortc private
names this takes live in services/media/sfu/adapter.py, the repository's one adapter.
`python -m services.media.sfu.loadgen` is a loopback smoke check of a host's media stack (__main__.py);
bench/sfu_forwarding.py drives many of these peers against the SFU.
"""

from services.media.sfu.loadgen.clip import Clip, ClipSpec, load_clip
from services.media.sfu.loadgen.peers import (
    Publisher,
    ReceiveStats,
    SendStats,
    Subscriber,
    loopback_configuration,
)
from services.media.sfu.loadgen.replay import ReplayTrack

__all__ = [
    "Clip",
    "ClipSpec",
    "Publisher",
    "ReceiveStats",
    "ReplayTrack",
    "SendStats",
    "Subscriber",
    "load_clip",
    "loopback_configuration",
]
