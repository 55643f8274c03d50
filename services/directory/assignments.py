"""Appointing administrators from joined staff (R-ROLE-3), class teachers and subject teachers (R-ROLE-4)."""

from __future__ import annotations

from services.common.db import Database
from services.directory.access import Access
from services.directory.store import DirectoryStore


class Assignments:
    def __init__(self, db: Database, store: DirectoryStore, access: Access) -> None:
        self._db = db
        self._store = store
        self._access = access
