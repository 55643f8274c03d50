"""The academic-year rollover every school expects in September: classes move up a grade into the
new year with their students, the 11th grade graduates."""

from __future__ import annotations

from services.common.db import Database
from services.directory.access import Access
from services.directory.store import DirectoryStore


class Rollover:
    def __init__(self, db: Database, store: DirectoryStore, access: Access) -> None:
        self._db = db
        self._store = store
        self._access = access
