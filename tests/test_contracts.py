"""The contracts in proto/ and the code generated from them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_generated_code_is_current() -> None:
    result = subprocess.run(
        [sys.executable, "scripts/gen_proto.py", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_stale_generated_code_is_detected(tmp_path: Path) -> None:
    """The check itself can fail: a changed contract without regeneration is caught."""
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import gen_proto
    finally:
        sys.path.pop(0)
    fresh, changed = tmp_path / "a", tmp_path / "b"
    gen_proto.generate(fresh)
    gen_proto.generate(changed)
    stub = changed / "parta" / "identity" / "v1" / "identity_pb2.py"
    stub.write_text(stub.read_text() + "\n# edited by hand\n")
    assert gen_proto.tree_differs(fresh / "parta", changed / "parta") == ["identity/v1/identity_pb2.py"]
