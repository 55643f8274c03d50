"""Support requests (R-PRIV-4) to the organisation's administrator and to the operator, with status."""

from __future__ import annotations

from services.common.db import Database
from services.directory.access import Access
from services.directory.store import DirectoryStore


class Support:
    def __init__(self, db: Database, store: DirectoryStore, access: Access) -> None:
        self._db = db
        self._store = store
        self._access = access
