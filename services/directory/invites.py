"""Invite links (R-INV-1, R-INV-2, R-INV-5): made by the administrator (any role) and by class
teachers (student and parent links for their own class); previewed without revealing members;
accepted by the invitee, which creates the membership."""

from __future__ import annotations

from services.common.db import Database
from services.directory.access import Access
from services.directory.store import DirectoryStore


class Invites:
    def __init__(self, db: Database, store: DirectoryStore, access: Access) -> None:
        self._db = db
        self._store = store
        self._access = access
