"""The ONE `MetaData` of messaging: each feature's `tables.py` declares its SQLAlchemy Core tables on
it. The migrations in migrations/versions create and change them; keep the two in step."""

from __future__ import annotations

from sqlalchemy import MetaData

metadata = MetaData()
