"""Movement (R-MOVE-1, R-MOVE-2): class transfer, a student leaving, a staff member leaving — with
history, and events precise enough for messaging to move or remove the person and the parents."""

from __future__ import annotations

from services.common.db import Database
from services.directory.access import Access
from services.directory.store import DirectoryStore


class Movements:
    def __init__(self, db: Database, store: DirectoryStore, access: Access) -> None:
        self._db = db
        self._store = store
        self._access = access
