"""The load generator's tests share one small clip (320×180, 1 s, so that replays loop quickly),
encoded once per session into a temporary cache."""

from __future__ import annotations

import pytest

from services.media.sfu.loadgen import Clip, ClipSpec, load_clip


@pytest.fixture(scope="session")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Clip:
    spec = ClipSpec(width=320, height=180, fps=25, video_kbps=300, keyframe_interval_s=0.4, seconds=1.0)
    return load_clip(spec, cache_dir=tmp_path_factory.mktemp("loadgen-cache"))
