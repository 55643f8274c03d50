"""Wires the directory service together and runs it:
`parta-directory [serve|migrate|add-operator --phone ... | --email ...]`."""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field

from parta.directory.v1 import (
    joining_pb2_grpc,
    membership_pb2_grpc,
    movement_pb2_grpc,
    organisations_pb2_grpc,
    support_pb2_grpc,
)
from services.common.contacts import parse_email, parse_phone
from services.common.db import Database
from services.common.grpcserver import GrpcServer
from services.common.migrations import upgrade
from services.common.runtime import ServiceRuntime, run_service
from services.common.serving import IdentityKeys, Servicer
from services.directory.config import DirectorySettings
from services.directory.joining.api import PUBLIC_METHODS as JOINING_PUBLIC_METHODS
from services.directory.joining.api import SERVICE_NAME as JOINING_SERVICE_NAME
from services.directory.joining.api import JoiningApi
from services.directory.joining.class_roster import ClassRoster
from services.directory.joining.invites import Invites
from services.directory.joining.join_codes import JoinCodes
from services.directory.joining.join_requests import JoinRequests
from services.directory.joining.store import JoiningStore
from services.directory.membership.access import Access
from services.directory.membership.api import SERVICE_NAME as MEMBERSHIP_SERVICE_NAME
from services.directory.membership.api import MembershipApi
from services.directory.membership.assignments import Assignments
from services.directory.membership.cache import MembershipCache
from services.directory.membership.events import identity_subscription
from services.directory.membership.members import Members
from services.directory.membership.parents import Parents
from services.directory.membership.store import MembershipStore
from services.directory.movement.api import SERVICE_NAME as MOVEMENT_SERVICE_NAME
from services.directory.movement.api import MovementApi
from services.directory.movement.moves import Movements
from services.directory.movement.rollover import Rollover
from services.directory.movement.store import MovementStore
from services.directory.organisations.api import SERVICE_NAME as ORGANISATIONS_SERVICE_NAME
from services.directory.organisations.api import OrganisationsApi, class_message, organisation_message
from services.directory.organisations.applications import Applications
from services.directory.organisations.details import Organisations
from services.directory.organisations.store import OrganisationsStore
from services.directory.organisations.structure import Structure
from services.directory.support.api import SERVICE_NAME as SUPPORT_SERVICE_NAME
from services.directory.support.api import SupportApi
from services.directory.support.requests import Support
from services.directory.support.store import SupportStore

MIGRATIONS = "services.directory:migrations"
PUBLIC_METHODS = frozenset(f"/{JOINING_SERVICE_NAME}/{name}" for name in JOINING_PUBLIC_METHODS)


@dataclass(frozen=True)
class Stores:
    """One store per feature; each holds that feature's SQL."""

    organisations: OrganisationsStore = field(default_factory=OrganisationsStore)
    membership: MembershipStore = field(default_factory=MembershipStore)
    joining: JoiningStore = field(default_factory=JoiningStore)
    movement: MovementStore = field(default_factory=MovementStore)
    support: SupportStore = field(default_factory=SupportStore)


def build_servicers(
    db: Database, settings: DirectorySettings, stores: Stores, cache: MembershipCache
) -> list[Servicer]:
    """One gRPC service per feature, each answered by that feature's api on the feature's domain objects
    (on their own store, with the other features' parts they need)."""
    organisations, members = stores.organisations, stores.membership
    access = Access(members, operators=organisations)
    applications = Applications(
        db,
        organisations,
        access,
        max_document_bytes=settings.max_document_bytes,
        default_time_zone=settings.default_time_zone,
    )
    return [
        Servicer(
            organisations_pb2_grpc.add_OrganisationsServicer_to_server,
            OrganisationsApi(
                applications,
                Organisations(db, organisations, members, access),
                Structure(db, organisations, access),
            ),
            ORGANISATIONS_SERVICE_NAME,
        ),
        Servicer(
            membership_pb2_grpc.add_MembersServicer_to_server,
            MembershipApi(
                Members(db, members, access, cache),
                Assignments(db, members, organisations, access),
                Parents(db, members, access),
                class_message,
            ),
            MEMBERSHIP_SERVICE_NAME,
        ),
        Servicer(
            joining_pb2_grpc.add_JoiningServicer_to_server,
            JoiningApi(
                Invites(db, stores.joining, members, organisations, access),
                ClassRoster(db, stores.joining, members),
                JoinCodes(db, stores.joining, organisations),
                JoinRequests(db, stores.joining, members, organisations, access),
                organisation_message=organisation_message,
                class_message=class_message,
            ),
            JOINING_SERVICE_NAME,
        ),
        Servicer(
            movement_pb2_grpc.add_MovementsServicer_to_server,
            MovementApi(
                Movements(db, stores.movement, members, organisations, access),
                Rollover(db, stores.movement, members, organisations, access),
            ),
            MOVEMENT_SERVICE_NAME,
        ),
        Servicer(
            support_pb2_grpc.add_SupportServicer_to_server,
            SupportApi(Support(db, stores.support, organisations, access)),
            SUPPORT_SERVICE_NAME,
        ),
    ]


class DirectoryApp:
    """The directory service process: the shared runtime plus directory's domain and its
    features' servicers."""

    def __init__(self, settings: DirectorySettings) -> None:
        self.settings = settings
        self.stores = Stores()
        self.runtime = ServiceRuntime(
            "directory",
            settings,
            migrations=MIGRATIONS,
            subscriptions=[identity_subscription(self.stores.membership)],
        )
        self.membership_cache = MembershipCache()
        self.runtime.on_nats_reconnect.append(self.membership_cache.on_reconnected)
        self.servicers = build_servicers(self.runtime.db, settings, self.stores, self.membership_cache)
        self.identity = IdentityKeys(settings.identity_addr)
        self.grpc: GrpcServer | None = None

    async def start(self) -> None:
        await self.runtime.open()
        await self.membership_cache.start(self.runtime.nc)
        self.grpc = await self.runtime.serve_grpc(
            self.identity.verifier(),
            self.servicers,
            public_methods=PUBLIC_METHODS,
            # An application's documents come in one message (R-ORG-2), with room for the rest.
            max_message_bytes=self.settings.max_document_bytes + 1024 * 1024,
        )

    async def stop(self) -> None:
        await self.membership_cache.stop()
        await self.runtime.close()
        await self.identity.close()


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
            await OrganisationsStore().add_operator(conn, value)
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
