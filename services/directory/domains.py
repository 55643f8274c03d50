"""The directory's domain objects, built once and handed to the gRPC servicer."""

from __future__ import annotations

from dataclasses import dataclass

from services.common.db import Database
from services.directory.access import Access
from services.directory.applications import Applications
from services.directory.assignments import Assignments
from services.directory.class_roster import ClassRoster
from services.directory.config import DirectorySettings
from services.directory.invites import Invites
from services.directory.join_codes import JoinCodes
from services.directory.join_requests import JoinRequests
from services.directory.members import Members
from services.directory.membership_cache import MembershipCache
from services.directory.movement import Movements
from services.directory.organisations import Organisations
from services.directory.parents import Parents
from services.directory.rollover import Rollover
from services.directory.store import DirectoryStore
from services.directory.structure import Structure
from services.directory.support import Support


@dataclass(frozen=True)
class DirectoryDomains:
    applications: Applications
    organisations: Organisations
    structure: Structure
    members: Members
    assignments: Assignments
    invites: Invites
    parents: Parents
    join_requests: JoinRequests
    join_codes: JoinCodes
    class_roster: ClassRoster
    movements: Movements
    support: Support
    rollover: Rollover


def build_domains(
    db: Database, store: DirectoryStore, settings: DirectorySettings, cache: MembershipCache
) -> DirectoryDomains:
    access = Access(store)
    return DirectoryDomains(
        applications=Applications(
            db,
            store,
            access,
            max_document_bytes=settings.max_document_bytes,
            default_time_zone=settings.default_time_zone,
        ),
        organisations=Organisations(db, store, access),
        structure=Structure(db, store, access),
        members=Members(db, store, access, cache),
        assignments=Assignments(db, store, access),
        invites=Invites(db, store, access),
        parents=Parents(db, store, access),
        join_requests=JoinRequests(db, store, access),
        join_codes=JoinCodes(db, store),
        class_roster=ClassRoster(db, store),
        movements=Movements(db, store, access),
        support=Support(db, store, access),
        rollover=Rollover(db, store, access),
    )
