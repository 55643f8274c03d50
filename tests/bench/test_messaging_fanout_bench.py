"""The live fan-out benchmark runs end to end: `bench/messaging_fanout.py --quick` exits 0, prints one
BENCH line with positive delivery rates for Parta and the baseline, and no duplicate and no gap on
any socket (a smoke run, not a performance test: the targets are reported, not asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "bench" / "messaging_fanout.py"


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_quick_fanout_bench_delivers_everything_once() -> None:
    run = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=220,
        check=False,
    )
    assert run.returncode == 0, f"stdout:\n{run.stdout}\nstderr:\n{run.stderr[-4000:]}"
    lines = [line for line in run.stdout.splitlines() if line.startswith("BENCH ")]
    assert len(lines) == 1, run.stdout
    summary = json.loads(lines[0].removeprefix("BENCH "))

    assert summary["chats"] == 1
    for path in ("parta", "baseline"):
        result = summary[path]
        assert result["sockets"] == summary["members_per_chat"] == 30, (path, result["sockets"])
        assert result["peak_msgs_per_s"] > 0, path
        assert result["steps"], path
        for step in [*result["steps"], result["fixed"]]:
            assert step["messages"] > 0, (path, step)
            assert step["delivered_messages"] > 0, (path, step)
            assert step["msgs_per_s"] > 0, (path, step)
            assert step["frames_per_s"] > 0, (path, step)
            assert 0 < step["p50_ms"] <= step["p99_ms"], (path, step)
        fixed = result["fixed"]
        assert fixed["errors"] == 0, (path, fixed)
        assert fixed["delivered_messages"] == fixed["messages"], (path, fixed)
        assert result["duplicates"] == 0, path
        assert result["gaps"] == 0, path
        assert result["last_seqs"] > 0, path
    assert summary["ratio"] > 0
    assert summary["targets"]["p99_rate"] > 0
