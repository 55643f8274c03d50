"""Alembic migrations per service, applied on start and by each service's `migrate` command.

Each service keeps `migrations/` (env.py + versions/) inside its package; env.py calls
`run_env()`. Concurrent starts of several instances are serialised by an advisory lock.
"""

from __future__ import annotations

import asyncio
import zlib
from typing import Any

from alembic import command, context
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from services.common.db import async_dsn


def _config(script_location: str, connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", script_location)
    config.attributes["connection"] = connection
    return config


def _upgrade_on(connection: Connection, script_location: str) -> None:
    command.upgrade(_config(script_location, connection), "head")


async def upgrade(dsn: str, script_location: str) -> None:
    """Bring the database at dsn to the newest revision of script_location ("pkg:migrations")."""
    lock_key = zlib.crc32(script_location.encode())
    engine = create_async_engine(async_dsn(dsn))
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": lock_key})
            await conn.commit()
            try:
                await conn.run_sync(_upgrade_on, script_location)
                await conn.commit()
            finally:
                await conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": lock_key})
                await conn.commit()
    finally:
        await engine.dispose()


def run_env() -> None:
    """The body of every service's migrations/env.py (online mode only)."""
    connection: Any = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations with `parta-<service> migrate`, not the alembic CLI")
    context.configure(connection=connection, target_metadata=None, transaction_per_migration=True)
    with context.begin_transaction():
        context.run_migrations()


def migrate_command(dsn: str, script_location: str) -> None:
    asyncio.run(upgrade(dsn, script_location))
