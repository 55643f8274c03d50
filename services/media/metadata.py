"""The media service's one SQLAlchemy `MetaData`: each feature's `tables.py` declares its tables on it.
The migrations in migrations/versions create and change them; keep the two in step."""

from __future__ import annotations

from sqlalchemy import MetaData

metadata = MetaData()
