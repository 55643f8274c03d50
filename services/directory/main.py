"""Wires the directory service together and runs it:
`parta-directory [serve|migrate|add-operator --phone ... | --email ...]`."""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field

from parta.directory.v1 import directory_pb2_grpc
from services.common.contacts import parse_email, parse_phone
from services.common.db import Database
from services.common.grpcserver import GrpcServer
from services.common.migrations import upgrade
from services.common.runtime import ServiceRuntime, run_service
from services.common.serving import IdentityKeys, Servicer
from services.directory.config import DirectorySettings
from services.directory.joining.api import PUBLIC_METHODS as JOINING_PUBLIC_METHODS
from services.directory.joining.api import JoiningApi
from services.directory.joining.class_roster import ClassRoster
from services.directory.joining.invites import Invites
from services.directory.joining.join_codes import JoinCodes
from services.directory.joining.join_requests import JoinRequests
from services.directory.joining.store import JoiningStore
from services.directory.membership.access import Access
from services.directory.membership.api import MembershipApi
from services.directory.membership.assignments import Assignments
from services.directory.membership.cache import MembershipCache
from services.directory.membership.events import identity_subscription
from services.directory.membership.members import Members
from services.directory.membership.parents import Parents
from services.directory.membership.store import MembershipStore
from services.directory.movement.api import MovementApi
from services.directory.movement.moves import Movements
from services.directory.movement.rollover import Rollover
from services.directory.movement.store import MovementStore
from services.directory.organisations.api import OrganisationsApi, class_message, organisation_message
from services.directory.organisations.applications import Applications
from services.directory.organisations.details import Organisations
from services.directory.organisations.store import OrganisationsStore
from services.directory.organisations.structure import Structure
from services.directory.support.api import SupportApi
from services.directory.support.requests import Support
from services.directory.support.store import SupportStore

MIGRATIONS = "services.directory:migrations"
SERVICE_NAME = "parta.directory.v1.Directory"
PUBLIC_METHODS = frozenset(f"/{SERVICE_NAME}/{name}" for name in JOINING_PUBLIC_METHODS)


@dataclass(frozen=True)
class Stores:
    """One store per feature; each holds that feature's SQL."""

    organisations: OrganisationsStore = field(default_factory=OrganisationsStore)
    membership: MembershipStore = field(default_factory=MembershipStore)
    joining: JoiningStore = field(default_factory=JoiningStore)
    movement: MovementStore = field(default_factory=MovementStore)
    support: SupportStore = field(default_factory=SupportStore)


class DirectoryServicer:
    """The directory's one gRPC service as the contract has it today, answered method by method by the
    feature APIs given (each method by exactly one of them; a method none answers fails at start)."""

    def __init__(self, *features: object) -> None:
        for feature in features:
            for name in dir(type(feature)):
                if name[:1].isupper():
                    if name in vars(self):
                        raise ValueError(f"{name} is answered by two features")
                    setattr(self, name, getattr(feature, name))
        contract = {name for name in vars(directory_pb2_grpc.DirectoryServicer) if name[:1].isupper()}
        if missing := contract - set(vars(self)):
            raise ValueError(f"no feature answers {sorted(missing)}")


def build_servicer(
    db: Database, settings: DirectorySettings, stores: Stores, cache: MembershipCache
) -> DirectoryServicer:
    """Each feature's domain objects on their own store (and the other features' parts they need)."""
    organisations, members = stores.organisations, stores.membership
    access = Access(members, operators=organisations)
    applications = Applications(
        db,
        organisations,
        access,
        max_document_bytes=settings.max_document_bytes,
        default_time_zone=settings.default_time_zone,
    )
    return DirectoryServicer(
        OrganisationsApi(
            applications,
            Organisations(db, organisations, members, access),
            Structure(db, organisations, access),
        ),
        MembershipApi(
            Members(db, members, access, cache),
            Assignments(db, members, organisations, access),
            Parents(db, members, access),
            class_message,
        ),
        JoiningApi(
            Invites(db, stores.joining, members, organisations, access),
            ClassRoster(db, stores.joining, members),
            JoinCodes(db, stores.joining, organisations),
            JoinRequests(db, stores.joining, members, organisations, access),
            organisation_message=organisation_message,
            class_message=class_message,
        ),
        MovementApi(
            Movements(db, stores.movement, members, organisations, access),
            Rollover(db, stores.movement, members, organisations, access),
        ),
        SupportApi(Support(db, stores.support, organisations, access)),
    )


class DirectoryApp:
    """The directory service process: the shared runtime plus directory's domain and servicer."""

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
        self.servicer = build_servicer(self.runtime.db, settings, self.stores, self.membership_cache)
        self.identity = IdentityKeys(settings.identity_addr)
        self.grpc: GrpcServer | None = None

    async def start(self) -> None:
        await self.runtime.open()
        await self.membership_cache.start(self.runtime.nc)
        self.grpc = await self.runtime.serve_grpc(
            self.identity.verifier(),
            [Servicer(directory_pb2_grpc.add_DirectoryServicer_to_server, self.servicer, SERVICE_NAME)],
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
