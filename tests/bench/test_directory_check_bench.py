"""The directory check benchmark runs end to end (its --quick smoke run) and reports its numbers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_directory_check_bench_quick_run_reports_latencies() -> None:
    result = subprocess.run(
        [sys.executable, "bench/directory_check.py", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=170,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    line = next(line for line in result.stdout.splitlines() if line.startswith("BENCH "))
    numbers = json.loads(line.removeprefix("BENCH "))
    for path in ("echo", "check"):
        assert numbers[path]["errors"] == 0
        assert numbers[path]["achieved_per_s"] > 0
        assert 0 < numbers[path]["p50_ms"] <= numbers[path]["p99_ms"]
