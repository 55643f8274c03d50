"""The SFU forwarding benchmark runs end to end (its --quick smoke run: P = 1, S = 2, with 0 % and 3 %
induced loss, the engine next to aiortc's passthrough baseline) and reports its numbers. Skipped only
while the SFU engine is absent."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
@pytest.mark.timeout(300)
@pytest.mark.skipif(
    importlib.util.find_spec("services.media.sfu.engine") is None, reason="the SFU engine is absent"
)
def test_sfu_forwarding_bench_quick_run_reports_both_paths() -> None:
    result = subprocess.run(
        [sys.executable, "bench/sfu_forwarding.py", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=290,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    line = next(line for line in result.stdout.splitlines() if line.startswith("BENCH "))
    numbers = json.loads(line.removeprefix("BENCH "))
    assert numbers["engine_available"]
    rows = numbers["rows"]
    assert {(row["path"], row["loss"]) for row in rows} == {
        (path, loss) for path in ("engine", "baseline") for loss in (0.0, 0.03)
    }
    for row in rows:
        assert row["error"] == ""
        assert row["forwarded_packets"] > 0
        assert row["packets_per_cpu_s"] > 0
        assert 0 < row["delay_p50_ms"] <= row["delay_p99_ms"]
        assert row["incomplete_subscribers"] == 0
    lossy = [row for row in rows if row["loss"] > 0]
    assert all(row["induced_loss_pct"] > 0 for row in lossy)
    assert all(row["nack_sent"] > 0 for row in lossy)  # the subscribers asked for what they lost
    steady_baselines = {row["loss"] for row in rows if row["path"] == "baseline" and row["steady"]}
    for row in rows:
        if row["path"] == "engine" and row["loss"] in steady_baselines:
            assert row["x_baseline"] > 0  # the ratio to the same traffic through the passthrough
    assert numbers["targets"]["evaluated"] is False  # --quick has no S = 40 row: nothing to judge
