"""The per-packet path micro-benchmark (bench/sfu_fanout.py) runs, with and without the UDP send, and
reports the CPU per forwarded packet; its numbers are for reading, not asserted (speed is the bench's)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.timeout(120)
@pytest.mark.parametrize("flags", [[], ["--no-send"]])
def test_sfu_fanout_bench_reports_cpu_per_forwarded_packet(flags: list[str]) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "bench/sfu_fanout.py",
            "--subscribers",
            "4",
            "--packets",
            "200",
            "--rounds",
            "2",
            *flags,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=110,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    line = next(line for line in result.stdout.splitlines() if line.startswith("BENCH "))
    numbers = json.loads(line.removeprefix("BENCH "))
    assert numbers["subscribers"] == 4
    assert numbers["send"] is (not flags)
    assert 0 < numbers["us_per_packet_best"] <= numbers["us_per_packet_median"]
