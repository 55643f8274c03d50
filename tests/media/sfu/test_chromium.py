"""Real Chromium through the real engine, on loopback: one page publishes its fake camera and
microphone, another receives them — `framesDecoded` and `totalSamplesReceived` rising in its
getStats() (tests/media/sfu/chromium_call.py drives both pages)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.media.sfu.chromium_call import CHROMIUM, call

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (apt-get install -y chromium)"
)


async def test_a_chromium_page_receives_anothers_camera_and_microphone_through_the_engine() -> None:
    result = await call("127.0.0.1", "127.0.0.0/8")
    assert result["tracks"] == 2
    last = result["last"]
    assert last["video"]["frames"] > result["first"]["video"]["frames"]
    assert last["audio"]["samples"] > result["first"]["audio"]["samples"]
    assert last["video"]["lost"] == 0
    # The subscriber joining asked the publisher for a key frame; whatever the subscriber asked
    # after, the publisher heard at most one request per 500 ms.
    assert 1 <= result["publisher"]["out_video"]["plis"] <= 1 + 2 * result["seconds"]
