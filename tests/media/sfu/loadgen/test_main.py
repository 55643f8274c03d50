"""`python -m services.media.sfu.loadgen`, the operator's smoke check of a host's media stack: a publisher
and a subscriber on loopback, and a report of what went across."""

from __future__ import annotations

import pytest

from services.media.sfu.loadgen import Clip
from services.media.sfu.loadgen.__main__ import check


async def test_smoke_check_passes_when_media_flows_and_says_what_it_saw(
    clip: Clip, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await check(1.5, 0.0, clip) == 0
    printed = capsys.readouterr().out
    assert "never decoded: True" in printed
    assert "received:" in printed
