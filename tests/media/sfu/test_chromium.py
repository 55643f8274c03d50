"""Real Chromium through the real engine: one page publishes its fake camera and microphone, another
receives them (`framesDecoded` and `totalSamplesReceived` rising in getStats()). Chromium offers no
loopback candidates, so the run happens in a network namespace this test makes, on a veth address
of its own (tests/media/sfu/chromium_call.py) — nothing leaves the namespace."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
ADDRESS, NETWORK = "10.99.0.1", "10.99.0.0/24"
NAMESPACE = (
    "ip link set lo up && ip link add v0 type veth peer name v1 && "
    f"ip addr add {ADDRESS}/24 dev v0 && ip link set v0 up && ip link set v1 up && "
    f"exec {sys.executable} -m tests.media.sfu.chromium_call {ADDRESS} {NETWORK}"
)


def test_a_chromium_page_receives_anothers_camera_and_microphone_through_the_engine() -> None:
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("a network namespace needs root and unshare")
    run = subprocess.run(
        ["unshare", "-n", "sh", "-c", NAMESPACE], cwd=ROOT, capture_output=True, text=True, timeout=100
    )
    lines = [line for line in run.stdout.splitlines() if line.startswith("RESULT ")]
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-4000:]
    assert lines, run.stdout[-2000:]
    result = json.loads(lines[-1].removeprefix("RESULT "))
    assert result["tracks"] == 2
    last = result["last"]
    assert last["video"]["frames"] > result["first"]["video"]["frames"]
    assert last["audio"]["samples"] > result["first"]["audio"]["samples"]
    assert last["video"]["lost"] == 0
    # The subscriber joining asked the publisher for a key frame (aggregated: a few at most).
    assert 1 <= result["publisher"]["out_video"]["plis"] <= 5
