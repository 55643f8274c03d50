"""PostgreSQL access through async SQLAlchemy 2 and asyncpg.

`Database.transaction(name)` is the one way a store touches the database: a named transaction
(timed in metrics, like Synapse's `runInteraction`) that commits on success and rolls back on error.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from services.common.metrics import DB_TRANSACTION_SECONDS


def async_dsn(dsn: str) -> str:
    """postgresql://... → postgresql+asyncpg://... (a unix socket stays in ?host=)."""
    for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres://"):
        if dsn.startswith(prefix):
            return "postgresql+asyncpg://" + dsn[len(prefix) :]
    raise ValueError(f"not a PostgreSQL DSN: {dsn!r}")


class Database:
    def __init__(self, dsn: str, *, service: str, pool_size: int = 10) -> None:
        self.dsn = dsn
        self.service = service
        self.engine: AsyncEngine = create_async_engine(
            async_dsn(dsn), pool_size=pool_size, max_overflow=pool_size, pool_recycle=1800
        )

    @asynccontextmanager
    async def transaction(self, name: str) -> AsyncIterator[AsyncConnection]:
        started = time.perf_counter()
        try:
            async with self.engine.begin() as conn:
                yield conn
        finally:
            DB_TRANSACTION_SECONDS.labels(self.service, name).observe(time.perf_counter() - started)

    @asynccontextmanager
    async def read(self, name: str) -> AsyncIterator[AsyncConnection]:
        """A connection in autocommit for reads on a hot path: no BEGIN/COMMIT round trips.
        Each statement sees its own snapshot, so use it only where one statement decides."""
        started = time.perf_counter()
        try:
            async with self.engine.connect() as conn:
                await conn.execution_options(isolation_level="AUTOCOMMIT")
                yield conn
        finally:
            DB_TRANSACTION_SECONDS.labels(self.service, name).observe(time.perf_counter() - started)

    async def ping(self) -> bool:
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    async def close(self) -> None:
        await self.engine.dispose()
