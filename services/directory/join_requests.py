"""Requests to join by the organisation's join code (R-INV-3), decided by the administrator (the
class teacher for their class's students)."""

from __future__ import annotations

from services.common.db import Database
from services.directory.access import Access
from services.directory.store import DirectoryStore


class JoinRequests:
    def __init__(self, db: Database, store: DirectoryStore, access: Access) -> None:
        self._db = db
        self._store = store
        self._access = access
