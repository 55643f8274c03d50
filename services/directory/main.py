"""Wires the directory service together and runs it:
`parta-directory [serve|migrate|add-operator --phone ... | --email ...]`."""

from __future__ import annotations

import argparse

import grpc

from parta.directory.v1 import directory_pb2_grpc
from parta.identity.v1 import identity_pb2_grpc
from services.common.auth import TokenVerifier
from services.common.contacts import parse_email, parse_phone
from services.common.grpcserver import GrpcServer
from services.common.identity_keys import identity_key_source
from services.common.migrations import upgrade
from services.common.runtime import ServiceRuntime, run_service
from services.directory.api import PUBLIC_METHODS, SERVICE_NAME, DirectoryServicer
from services.directory.config import DirectorySettings
from services.directory.domains import build_domains
from services.directory.events import identity_subscription
from services.directory.membership_cache import MembershipCache
from services.directory.store import DirectoryStore

MIGRATIONS = "services.directory:migrations"


class DirectoryApp:
    """The directory service process: the shared runtime plus directory's domain and servicer."""

    def __init__(self, settings: DirectorySettings) -> None:
        self.settings = settings
        self.store = DirectoryStore()
        self.runtime = ServiceRuntime(
            "directory", settings, migrations=MIGRATIONS, subscriptions=[identity_subscription(self.store)]
        )
        self.membership_cache = MembershipCache()
        self.runtime.on_nats_reconnect.append(self.membership_cache.on_reconnected)
        self.domains = build_domains(self.runtime.db, self.store, settings, self.membership_cache)
        self._identity_channel: grpc.aio.Channel | None = None
        self.grpc: GrpcServer | None = None

    async def start(self) -> None:
        await self.runtime.open()
        await self.membership_cache.start(self.runtime.nc)
        self._identity_channel = grpc.aio.insecure_channel(self.settings.identity_addr)
        verifier = TokenVerifier(identity_key_source(identity_pb2_grpc.IdentityStub(self._identity_channel)))
        self.grpc = GrpcServer(
            "directory",
            host=self.settings.grpc_host,
            port=self.settings.grpc_port,
            verifier=verifier,
            public_methods=PUBLIC_METHODS,
            health_checks=[self.runtime.health_db, self.runtime.health_nats],
            max_message_bytes=self.settings.max_document_bytes + 1024 * 1024,
        )
        self.grpc.add(
            directory_pb2_grpc.add_DirectoryServicer_to_server,
            DirectoryServicer(self.domains),
            SERVICE_NAME,
        )
        await self.runtime.serve(self.grpc)

    async def stop(self) -> None:
        await self.membership_cache.stop()
        await self.runtime.close()
        if self._identity_channel is not None:
            await self._identity_channel.close()


async def add_operator(settings: DirectorySettings, args: list[str]) -> None:
    """Bootstrap operator staff: `parta-directory add-operator --phone +7...` (or --email)."""
    parser = argparse.ArgumentParser(prog="parta-directory add-operator")
    login = parser.add_mutually_exclusive_group(required=True)
    login.add_argument("--phone")
    login.add_argument("--email")
    options = parser.parse_args(args)
    value = parse_phone(options.phone) if options.phone else parse_email(options.email)
    await upgrade(settings.database_url, MIGRATIONS)
    runtime = ServiceRuntime("directory", settings, migrations=MIGRATIONS)
    try:
        async with runtime.db.transaction("add_operator") as conn:
            await DirectoryStore().add_operator(conn, value)
    finally:
        await runtime.db.close()
    print(f"operator staff: {value} (signs in with a one-time code to it)")


def main() -> None:
    run_service(
        "directory",
        DirectorySettings,
        DirectoryApp,
        MIGRATIONS,
        extra_commands={"add-operator": add_operator},
    )


if __name__ == "__main__":
    main()
