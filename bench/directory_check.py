"""How fast directory answers "who is this person in this school?" — the membership check other
services authorise with — next to a bare grpc.aio echo measured in the same run.

The target of the directory issue: p99 under 2 ms at 1,000 checks per second on this machine.
The load is open-loop (a call is started every 1/rate seconds whatever the answers do, as
independent services would), from a child process (this script with ``--load-generator``) so the
client does not share the servers' interpreter. Each CheckMembership carries a real access token
(verified with Ed25519 by directory's interceptor) and reads the membership from PostgreSQL.

Infrastructure is started as the tests start it: embedded PostgreSQL 16 and NATS, identity and
directory in this process (with the echo server). Run ``python bench/directory_check.py``
(``--rate``, ``--seconds``; ``--quick`` for a smoke run). ``x echo`` compares p99 latencies: how
many bare round trips one authorised check costs. The last line, ``BENCH {...}``, holds every
number as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import grpc

from parta.directory.v1 import membership_pb2, membership_pb2_grpc
from parta.identity.v1 import identity_pb2 as ipb
from parta.identity.v1 import identity_pb2_grpc
from services.devstack.embedded import EmbeddedNats, EmbeddedPostgres, free_port
from services.directory.config import DirectorySettings
from services.directory.main import DirectoryApp
from services.directory.membership.roles import set_member_roles
from services.identity.config import IdentitySettings
from services.identity.destinations import Destination
from services.identity.main import IdentityApp

ECHO_METHOD = "/bench.Echo/Echo"


class CapturingSender:
    """Stands in for the SMS gateway: keeps the last code sent to each destination."""

    def __init__(self) -> None:
        self.codes: dict[str, str] = {}

    async def send(self, destination: Destination, subject: str, text: str) -> None:
        self.codes[destination.value] = next(
            word.strip(".:") for word in text.split() if word.strip(".:").isdigit()
        )

    async def close(self) -> None:
        return None


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


# --- the load generator (child process) ------------------------------------------------------------
async def open_loop(call: Any, rate: float, seconds: float) -> dict[str, float]:
    """Start `call()` every 1/rate s for `seconds`; return latency percentiles in ms and the rate done."""
    latencies: list[float] = []
    errors = 0

    async def one() -> None:
        nonlocal errors
        started = time.perf_counter()
        try:
            await call()
        except grpc.aio.AioRpcError:
            errors += 1
            return
        latencies.append((time.perf_counter() - started) * 1000)

    tasks = []
    begin = time.perf_counter()
    total = int(rate * seconds)
    for i in range(total):
        delay = begin + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one()))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - begin
    return {
        "calls": total,
        "errors": errors,
        "achieved_per_s": len(latencies) / elapsed,
        "p50_ms": percentile(latencies, 0.50),
        "p99_ms": percentile(latencies, 0.99),
        "max_ms": max(latencies) if latencies else float("nan"),
    }


async def load_generator(args: argparse.Namespace) -> None:
    async with (
        grpc.aio.insecure_channel(args.echo) as echo_channel,
        grpc.aio.insecure_channel(args.directory) as directory_channel,
    ):
        echo = echo_channel.unary_unary(ECHO_METHOD)
        stub = membership_pb2_grpc.MembersStub(directory_channel)
        request = membership_pb2.CheckMembershipRequest(organisation_id=args.organisation)
        metadata = (("authorization", f"Bearer {args.token}"),)

        async def check() -> None:
            reply = await stub.CheckMembership(request, metadata=metadata, timeout=5)
            assert reply.member

        async def bare() -> None:
            await echo(b"x" * 64, timeout=5)

        warm = min(1.0, args.seconds / 3)
        await open_loop(bare, args.rate, warm)
        await open_loop(check, args.rate, warm)
        results = {
            "echo": await open_loop(bare, args.rate, args.seconds),
            "check": await open_loop(check, args.rate, args.seconds),
        }
    print(json.dumps(results), flush=True)


# --- the servers (this process) -------------------------------------------------------------------
async def echo_server() -> tuple[grpc.aio.Server, str]:
    async def echo(request: bytes, context: Any) -> bytes:
        return request

    server = grpc.aio.server()
    handler = grpc.method_handlers_generic_handler(
        "bench.Echo", {"Echo": grpc.unary_unary_rpc_method_handler(echo)}
    )
    server.add_generic_rpc_handlers([handler])
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    return server, f"127.0.0.1:{port}"


async def member_token(identity: IdentityApp, sender: CapturingSender) -> tuple[str, str]:
    assert identity.grpc is not None
    async with grpc.aio.insecure_channel(identity.grpc.address) as channel:
        stub = identity_pb2_grpc.IdentityStub(channel)
        await stub.RequestCode(ipb.RequestCodeRequest(destination="bench@school.example"))
        tokens = await stub.VerifyCode(
            ipb.VerifyCodeRequest(
                destination="bench@school.example", code=sender.codes["bench@school.example"]
            )
        )
    return tokens.access_token, tokens.user_id


async def serve_and_measure(args: argparse.Namespace, root: Path) -> dict[str, Any]:
    postgres = EmbeddedPostgres(root / "pg")
    nats = EmbeddedNats(root / "nats", free_port()).start()
    sender = CapturingSender()
    common: dict[str, Any] = {"nats_url": nats.url, "grpc_port": 0, "metrics_port": 0, "log_level": "WARNING"}
    identity = IdentityApp(
        IdentitySettings(database_url=postgres.create_database("bench_identity"), dev=True, **common),
        sender=sender,
    )
    await identity.start()
    assert identity.grpc is not None
    directory = DirectoryApp(
        DirectorySettings(
            database_url=postgres.create_database("bench_directory"),
            identity_addr=identity.grpc.address,
            **common,
        )
    )
    await directory.start()
    assert directory.grpc is not None
    echo, echo_address = await echo_server()
    try:
        token, user_id = await member_token(identity, sender)
        async with directory.runtime.db.transaction("bench_seed") as conn:
            organisation = await directory.stores.organisations.create_organisation(
                conn,
                kind="school",
                name="Школа для замеров",
                region="Регион",
                address="Адрес",
                tax_id="7707083893",
                time_zone="Europe/Moscow",
                join_code=uuid.uuid4().hex[:8],
            )
            await set_member_roles(
                directory.stores.membership,
                conn,
                organisation_id=organisation.id,
                user_id=uuid.UUID(user_id),
                roles=["teacher"],
                action="bench_seed",
                actor=None,
            )
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            __file__,
            "--load-generator",
            "--echo", echo_address,
            "--directory", directory.grpc.address,
            "--organisation", str(organisation.id),
            "--token", token,
            "--rate", str(args.rate),
            "--seconds", str(args.seconds),
            stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        output, _ = await child.communicate()
        if child.returncode != 0:
            raise SystemExit(f"the load generator failed ({child.returncode})")
        return dict(json.loads(output.decode().strip().splitlines()[-1]))
    finally:
        await echo.stop(0)
        await directory.stop()
        await identity.stop()
        nats.stop()
        postgres.stop()


def report(args: argparse.Namespace, results: dict[str, Any]) -> None:
    echo, check = results["echo"], results["check"]
    print(f"directory CheckMembership, open loop at {args.rate:.0f}/s for {args.seconds:.1f} s")
    print(f"{'path':<8}{'done/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'max ms':>10}{'errors':>8}{'x echo':>9}")
    for name, row in (("echo", echo), ("check", check)):
        ratio = row["p99_ms"] / echo["p99_ms"] if echo["p99_ms"] else float("nan")
        print(
            f"{name:<8}{row['achieved_per_s']:>10.0f}{row['p50_ms']:>10.2f}{row['p99_ms']:>10.2f}"
            f"{row['max_ms']:>10.2f}{row['errors']:>8}{ratio:>9.1f}"
        )
    target = "met" if check["p99_ms"] < 2.0 and check["errors"] == 0 else "NOT met"
    print(f"target p99 < 2 ms at {args.rate:.0f}/s: {target}")
    print("BENCH " + json.dumps({"rate": args.rate, "seconds": args.seconds, **results}))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rate", type=float, default=1000.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--quick", action="store_true", help="a smoke run: 200/s for 1 s")
    parser.add_argument("--load-generator", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--echo", help=argparse.SUPPRESS)
    parser.add_argument("--directory", help=argparse.SUPPRESS)
    parser.add_argument("--organisation", help=argparse.SUPPRESS)
    parser.add_argument("--token", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.rate, args.seconds = 200.0, 1.0
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.load_generator:
        asyncio.run(load_generator(args))
        return 0
    root = Path(tempfile.mkdtemp(prefix="pd-", dir="/tmp"))
    try:
        results = asyncio.run(serve_and_measure(args, root))
    finally:
        shutil.rmtree(root, ignore_errors=True)
    report(args, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
