"""Generate Python code and typing stubs from the contracts in proto/ into gen/.

Run by `make proto` (and so by the install step). Generated files are never edited by hand
and never committed; `--check` compares a fresh generation with gen/ and fails when it is stale.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import shutil
import sys
import tempfile
from pathlib import Path

from grpc_tools import protoc

ROOT = Path(__file__).resolve().parent.parent
PROTO_DIR = ROOT / "proto"
GEN_DIR = ROOT / "gen"


def generate(out_dir: Path) -> None:
    """Write the generated package for every .proto file under proto/ into out_dir."""
    out_dir.mkdir(parents=True, exist_ok=True)
    # protoc finds the mypy-protobuf plugins on PATH: make it the one of this interpreter.
    bin_dir = str(Path(sys.executable).parent)
    os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
    protos = sorted(str(p.relative_to(PROTO_DIR)) for p in PROTO_DIR.rglob("*.proto"))
    well_known = Path(protoc.__file__).parent / "_proto"
    args = [
        "grpc_tools.protoc",
        f"-I{PROTO_DIR}",
        f"-I{well_known}",
        f"--python_out={out_dir}",
        f"--grpc_python_out={out_dir}",
        f"--mypy_out={out_dir}",
        f"--mypy_grpc_out={out_dir}",
        *protos,
    ]
    if protoc.main(args) != 0:
        raise SystemExit("protoc failed")
    for directory in [out_dir / "parta", *(d for d in (out_dir / "parta").rglob("*") if d.is_dir())]:
        (directory / "__init__.py").touch()
    (out_dir / "parta" / "py.typed").touch()


def tree_differs(a: Path, b: Path) -> list[str]:
    """The relative paths whose content differs between two generated trees."""
    cmp = filecmp.dircmp(a, b)
    diffs = [*cmp.left_only, *cmp.right_only, *cmp.diff_files]
    for name, sub in cmp.subdirs.items():
        diffs += [f"{name}/{d}" for d in tree_differs(Path(sub.left), Path(sub.right))]
    return diffs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if gen/ is stale")
    args = parser.parse_args()
    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            fresh = Path(tmp)
            generate(fresh)
            stale = (
                tree_differs(fresh / "parta", GEN_DIR / "parta") if (GEN_DIR / "parta").exists() else ["gen/"]
            )
        stale = [s for s in stale if "__pycache__" not in s]
        if stale:
            print("generated code is stale, run `make proto`: " + ", ".join(stale), file=sys.stderr)
            return 1
        return 0
    # Generate beside gen/ and swap, so a running process never sees a half-written package.
    # Unique names: two generations at once (two terminals, two agents) must not mix their files.
    new_dir = Path(tempfile.mkdtemp(prefix="gen.new.", dir=ROOT))
    old_dir = Path(tempfile.mkdtemp(prefix="gen.old.", dir=ROOT))
    generate(new_dir)
    if GEN_DIR.exists():
        GEN_DIR.replace(old_dir / "gen")
    new_dir.replace(GEN_DIR)
    shutil.rmtree(old_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
