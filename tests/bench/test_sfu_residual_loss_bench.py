"""The residual-loss trace (bench/sfu_residual_loss.py) runs and gives every packet never recovered a
cause, for aiortc's receiver and for a receiver that asks again each round trip."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.timeout(120)
def test_sfu_residual_loss_trace_names_a_cause_for_every_packet_never_recovered() -> None:
    result = subprocess.run(
        [sys.executable, "bench/sfu_residual_loss.py", "--legs", "1", "--packets", "20000"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=110,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    line = next(line for line in result.stdout.splitlines() if line.startswith("BENCH "))
    numbers = json.loads(line.removeprefix("BENCH "))
    assert set(numbers["receivers"]) == {"aiortc", "periodic"}
    for outcome in numbers["receivers"].values():
        assert outcome["packets"] == 20000
        assert 0.02 < outcome["lost_on_leg"] / outcome["packets"] < 0.04  # 3 % induced
        assert sum(outcome["causes"].values()) == outcome["never_recovered"]
