"""Alembic environment of the media service (see services.common.migrations)."""

from services.common.migrations import run_env

run_env()
