"""The sign-in benchmark runs end to end: `bench/identity_login.py --quick` exits 0 and reports a
positive rate for every path at every number of clients (a smoke run, not a performance test)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "bench" / "identity_login.py"


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_quick_bench_reports_every_level() -> None:
    run = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=220,
        check=False,
    )
    assert run.returncode == 0, f"stdout:\n{run.stdout}\nstderr:\n{run.stderr}"
    lines = [line for line in run.stdout.splitlines() if line.startswith("BENCH ")]
    assert len(lines) == 1, run.stdout
    summary = json.loads(lines[0].removeprefix("BENCH "))

    levels = [str(level) for level in summary["levels"]]
    assert levels == ["1", "16", "64"]
    for path in ("echo", "grpc", "http"):
        for level in levels:
            row = summary["results"][path][level]
            assert row["rate"] > 0, (path, level, row)
            assert row["completed"] > 0, (path, level, row)
            assert row["p50_ms"] > 0, (path, level, row)
            assert row["p99_ms"] >= row["p50_ms"], (path, level, row)
            assert row["errors"] == 0, (path, level, row)
    for path in ("grpc", "http"):
        for level in levels:
            assert summary["ratios"][path][level] > 0, (path, level)
