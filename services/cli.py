"""The `parta` command: one entry point with subcommands, each a row of `COMMANDS`.

`parta run` starts the whole platform locally (see services.devstack.supervisor). A new
subcommand (say `parta operator add ...`) is a `Command` with a function that declares its
options and one that runs it, added to `COMMANDS`.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Command:
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


def _configure_run(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir", default=".parta", help="where PostgreSQL, NATS and the logs keep their data"
    )
    parser.add_argument("--http-port", type=int, default=8080, help="the gateway's HTTP port")
    parser.add_argument("--host", default="127.0.0.1", help="the address the gateway listens on")


def _run(args: argparse.Namespace) -> int:
    from services.devstack.supervisor import RunOptions, run

    return run(RunOptions(data_dir=Path(args.data_dir), http_port=args.http_port, host=args.host))


def _configure_operator(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=["add"], help="add: make a phone or e-mail operator staff")
    login = parser.add_mutually_exclusive_group(required=True)
    login.add_argument("--phone", help="operator staff sign in with a code to this phone")
    login.add_argument("--email", help="...or to this e-mail")
    parser.add_argument("--data-dir", default=".parta", help="the data directory of `parta run`")


def _operator(args: argparse.Namespace) -> int:
    """Bootstrap the first operator staff (R-ORG-2: they approve organisations' applications)."""
    import asyncio
    import os

    from services.devstack.supervisor import directory_database_url
    from services.directory.config import DirectorySettings
    from services.directory.main import add_operator

    dsn = directory_database_url(Path(args.data_dir), dict(os.environ))
    login = ["--phone", args.phone] if args.phone else ["--email", args.email]
    asyncio.run(add_operator(DirectorySettings(database_url=dsn), login))
    return 0


COMMANDS: dict[str, Command] = {
    "operator": Command(
        "manage operator staff: `parta operator add --phone +7...`",
        _configure_operator,
        _operator,
    ),
    "run": Command(
        "start NATS, PostgreSQL, every service and the gateway; Ctrl-C stops them all",
        _configure_run,
        _run,
    ),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="parta", description="Parta, the school communication platform")
    subcommands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, command in COMMANDS.items():
        sub = subcommands.add_parser(name, help=command.help, description=command.help)
        command.configure(sub)
        sub.set_defaults(handler=command.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    return handler(args)


if __name__ == "__main__":
    raise SystemExit(main())
