"""Alembic environment of the messaging service (see services.common.migrations)."""

from services.common.migrations import run_env

run_env()
