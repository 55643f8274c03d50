"""A real coturn (Debian's `turnserver`) for tests, on 127.0.0.1 only (`running_coturn`):
its listener (UDP and TCP) and its relay address are loopback, peers outside 127.0.0.0/8 are denied
(the issue's network safety), credentials are coturn's REST-API convention with a shared secret
(`use-auth-secret`), as the chart runs it beside Parta."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from tests.support.waiting import until

SECRET = "coturn-shared-secret-of-the-test"
REALM = "parta.test"


@dataclass(frozen=True)
class Coturn:
    port: int  # the TURN listener, UDP and TCP
    secret: str
    log: Path

    def url(self, transport: str) -> str:
        return f"turn:127.0.0.1:{self.port}?transport={transport}"


def free_tcp_and_udp_port() -> int:
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
            tcp.bind(("127.0.0.1", 0))
            port = int(tcp.getsockname()[1])
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                try:
                    udp.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port
    raise RuntimeError("no free port for coturn")


def turnserver_conf(port: int, relay_ports: tuple[int, int], workdir: Path) -> str:
    return "\n".join(
        [
            "listening-ip=127.0.0.1",
            "relay-ip=127.0.0.1",
            f"listening-port={port}",
            f"min-port={relay_ports[0]}",
            f"max-port={relay_ports[1]}",
            "no-tls",
            "no-dtls",
            "fingerprint",
            "use-auth-secret",
            f"static-auth-secret={SECRET}",
            f"realm={REALM}",
            # Relaying to loopback is what the test needs; to anything else it is refused.
            "allow-loopback-peers",
            "allowed-peer-ip=127.0.0.0-127.255.255.255",
            "denied-peer-ip=0.0.0.0-126.255.255.255",
            "denied-peer-ip=128.0.0.0-255.255.255.255",
            "denied-peer-ip=::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
            "no-multicast-peers",
            "no-cli",
            "no-rfc5780",
            "no-stun-backward-compatibility",
            f"userdb={workdir / 'turndb'}",
            f"pidfile={workdir / 'turnserver.pid'}",
            f"log-file={workdir / 'turnserver.log'}",
            "simple-log",
            "",
        ]
    )


async def accepts_tcp(port: int) -> bool:
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return False
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return True


@contextlib.asynccontextmanager
async def running_coturn(workdir: Path) -> AsyncIterator[Coturn]:
    """coturn started with its config in `workdir`, listening; terminated on the way out. Fails the
    test with a clear message when the `turnserver` binary is missing (`make test` installs it)."""
    binary = shutil.which("turnserver")
    if binary is None:
        raise AssertionError("coturn is missing: `make test` installs it (apt-get install -y coturn)")
    port = free_tcp_and_udp_port()
    relay = free_tcp_and_udp_port()
    conf = workdir / "turnserver.conf"
    conf.write_text(turnserver_conf(port, (relay, relay + 20), workdir))
    process = await asyncio.create_subprocess_exec(
        binary, "-c", str(conf), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=workdir
    )
    try:
        await until(
            lambda: process.returncode is not None or accepts_tcp(port), within=15, what="coturn listening"
        )
        log = workdir / "turnserver.log"
        assert process.returncode is None, f"coturn exited: {log.read_text()[-2000:] if log.exists() else ''}"
        yield Coturn(port=port, secret=SECRET, log=workdir / "turnserver.log")
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), timeout=10)
            except TimeoutError:
                process.kill()
                await process.wait()
