"""Authorisation rows of the directory's people endpoints (see tests/directory/authz.py)."""

from __future__ import annotations

from tests.directory.authz import Rows

TABLE: Rows = {}
