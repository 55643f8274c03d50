"""The directory service's one SQLAlchemy `MetaData`: each feature's `tables.py` declares its tables on it."""

from __future__ import annotations

from sqlalchemy import MetaData

metadata = MetaData()
