"""Build the container image `localhost/parta:<version>` with podman (`make image`).

What this script owns: the steps around `podman build -f Containerfile .` that need this machine —
  1. the tools: podman, runc and mmdebstrap from Debian when missing, and the containers.conf
     line without which runc fails on setrlimit (docs: /work/shared/VERIFIED.md);
  2. the base: a Debian bookworm root filesystem with python3 made by mmdebstrap and imported as
     `localhost/debian-py:bookworm` when that tag is missing (no image registry is reachable here);
     an operator's CI passes an official base instead: `--base docker.io/library/python:3.11-slim`;
  3. the wheels: every runtime dependency (requirements-runtime.lock) and the build tools, built
     OUTSIDE the image with this machine's pip configuration (its local package indexes) into
     build/image/wheels/, which the Containerfile installs from with no index at all;
  4. the build, tagged with the version from pyproject.toml, and the image's size.

The slow parts (the root filesystem, the wheels) are kept in a cache outside the checkout
(PARTA_IMAGE_CACHE, default ~/.cache/parta/image), so a fresh clone on the same machine (CI) reuses
them while their inputs are unchanged; the wheels are linked into build/image/wheels/ (the build
context, ignored by git) and a second `make image` costs one cached podman build.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "build" / "image"
WHEELS = WORK / "wheels"  # the build context's copy (Containerfile: COPY build/image/wheels/)
CACHE = Path(os.environ.get("PARTA_IMAGE_CACHE") or Path.home() / ".cache" / "parta" / "image")
CACHED_WHEELS = CACHE / "wheels"
ROOTFS = CACHE / "rootfs-bookworm.tar"
DEFAULT_BASE = "localhost/debian-py:bookworm"
RUNTIME_LOCK = ROOT / "requirements-runtime.lock"
FULL_LOCK = ROOT / "requirements.lock"
CONTAINERS_CONF = Path("/etc/containers/containers.conf")
# The build stage generates the gRPC code (scripts/gen_proto.py) and builds parta's own wheel with
# these; pinned like everything else: from requirements.lock, or this venv's own setuptools/wheel.
BUILD_TOOLS = ("grpcio-tools", "mypy-protobuf", "setuptools", "wheel")
DEBIAN_TOOLS = ("podman", "runc", "mmdebstrap")


def say(line: str) -> None:
    print(f"image: {line}", flush=True)


def run(argv: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    say(" ".join(argv))
    return subprocess.run(argv, check=True, text=True, **kwargs)  # type: ignore[call-overload, no-any-return]


def podman(*args: str) -> list[str]:
    """A podman command line with the runtime that works here (crun refuses the hybrid cgroups)."""
    return ["podman", "--runtime", "runc", *args]


def version() -> str:
    with (ROOT / "pyproject.toml").open("rb") as file:
        return str(tomllib.load(file)["project"]["version"])


def image_tag() -> str:
    return f"localhost/parta:{version()}"


# --- 1. the tools -----------------------------------------------------------------------------
def ensure_tools(need_mmdebstrap: bool) -> None:
    wanted = [tool for tool in DEBIAN_TOOLS if tool != "mmdebstrap" or need_mmdebstrap]
    missing = [tool for tool in wanted if shutil.which(tool) is None]
    if missing:
        if os.geteuid() != 0:
            names = " ".join(missing)
            raise SystemExit(f"image: {names} missing; as root: apt-get install -y {names}")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        run(["apt-get", "update", "-qq"], env=env)
        run(["apt-get", "install", "-y", "-qq", *missing], env=env)
    ensure_containers_conf()


def ensure_containers_conf() -> None:
    """podman passes its default ulimits to the runtime, whose setrlimit fails here: turn them off."""
    text = CONTAINERS_CONF.read_text() if CONTAINERS_CONF.exists() else ""
    if "default_ulimits" in text:
        return
    if os.geteuid() != 0:
        say(f"warning: {CONTAINERS_CONF} has no `default_ulimits = []`; podman may fail on setrlimit")
        return
    CONTAINERS_CONF.parent.mkdir(parents=True, exist_ok=True)
    if "[containers]" in text:
        text = text.replace("[containers]", "[containers]\ndefault_ulimits = []", 1)
    else:
        text += "\n[containers]\ndefault_ulimits = []\n"
    CONTAINERS_CONF.write_text(text)
    say(f"wrote default_ulimits = [] into {CONTAINERS_CONF}")


# --- 2. the base ------------------------------------------------------------------------------
def image_exists(tag: str) -> bool:
    return subprocess.run(podman("image", "exists", tag), check=False).returncode == 0


def ensure_base(base: str) -> None:
    if base != DEFAULT_BASE or image_exists(base):
        return  # an operator's base is pulled by podman build itself
    CACHE.mkdir(parents=True, exist_ok=True)
    if not ROOTFS.exists():
        partial = ROOTFS.with_suffix(".partial.tar")
        run(["mmdebstrap", "--variant=minbase", "--include=python3,python3-venv", "bookworm", str(partial)])
        partial.rename(ROOTFS)
    run(podman("import", str(ROOTFS), base))


# --- 3. the wheels ----------------------------------------------------------------------------
def pins(lock: Path) -> dict[str, str]:
    """name -> version of every `name==version` line of a pip-compile lock (names normalised)."""
    found: dict[str, str] = {}
    for line in lock.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line and not line.startswith("-"):
            name, _, pinned = line.partition("==")
            found[normalise(name)] = pinned.strip()
    return found


def normalise(name: str) -> str:
    return name.strip().lower().replace("_", "-").replace(".", "-")


def build_tool_pins() -> list[str]:
    locked = pins(FULL_LOCK)
    result = []
    for tool in BUILD_TOOLS:
        pinned = locked.get(tool) or importlib.metadata.version(tool)
        result.append(f"{tool}=={pinned}")
    return result


def ensure_wheels() -> None:
    """Wheels of the runtime lock and the build tools in the cache (kept while unchanged), linked
    into build/image/wheels for the build context."""
    requirements = CACHE / "requirements-image.txt"
    tools = "\n".join(build_tool_pins())
    text = f"{RUNTIME_LOCK.read_text()}\n# build tools (scripts/image.py)\n{tools}\n"
    stamp = CACHED_WHEELS / ".inputs"
    digest = hashlib.sha256(text.encode()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        say(f"wheels up to date in {CACHED_WHEELS}")
    else:
        CACHE.mkdir(parents=True, exist_ok=True)
        if CACHED_WHEELS.exists():
            shutil.rmtree(CACHED_WHEELS)
        CACHED_WHEELS.mkdir()
        requirements.write_text(text)
        # This interpreter's pip with this machine's configuration (its local indexes); no cache
        # beyond CACHE: the wheel files themselves are the cache.
        run([sys.executable, "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check",
             "--wheel-dir", str(CACHED_WHEELS), "-r", str(requirements)])  # fmt: skip
        stamp.write_text(digest)
    if WHEELS.exists():
        shutil.rmtree(WHEELS)
    WHEELS.mkdir(parents=True)
    for wheel in CACHED_WHEELS.glob("*.whl"):
        try:
            os.link(wheel, WHEELS / wheel.name)
        except OSError:  # another file system
            shutil.copy2(wheel, WHEELS / wheel.name)


# --- 4. the build -----------------------------------------------------------------------------
def revision() -> str:
    done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False)
    return done.stdout.strip() or "unknown"


def image_id(tag: str) -> str | None:
    inspect = podman("image", "inspect", "--format", "{{.Id}}", tag)
    done = subprocess.run(inspect, capture_output=True, text=True, check=False)
    return done.stdout.strip() if done.returncode == 0 else None


def build(base: str, tag: str) -> int:
    previous = image_id(tag)
    run(
        podman(
            "build", "--file", str(ROOT / "Containerfile"), "--tag", tag,
            "--build-arg", f"BASE={base}",
            "--build-arg", f"VERSION={version()}",
            "--build-arg", f"REVISION={revision()}",
            # Again as --label: buildah reuses a cached LABEL step whose ARG values changed, which
            # would leave the previous commit's revision on an image built from unchanged files.
            "--label", f"org.opencontainers.image.version={version()}",
            "--label", f"org.opencontainers.image.revision={revision()}",
            "--label", f"org.opencontainers.image.base.name={base}",
            str(ROOT),
        )
    )  # fmt: skip
    if previous and previous != image_id(tag):
        # The image this tag named before: gone unless a container still uses it (its layers
        # shared with the new one stay), so rebuilds do not pile up untagged images.
        subprocess.run(podman("rmi", previous), capture_output=True, check=False)
    inspected = subprocess.run(
        podman("image", "inspect", tag), check=True, capture_output=True, text=True
    ).stdout
    return int(json.loads(inspected)[0]["Size"])


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--base", default=DEFAULT_BASE, help=f"both stages' FROM (default {DEFAULT_BASE})")
    parser.add_argument("--tag", default=None, help="the image's tag (default localhost/parta:<version>)")
    args = parser.parse_args()
    tag = args.tag or image_tag()
    ensure_tools(need_mmdebstrap=args.base == DEFAULT_BASE)
    ensure_base(args.base)
    ensure_wheels()
    size = build(args.base, tag)
    say(f"built {tag}: {size / 1e6:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
