"""Failed look-ups of link tokens, kept in a service's own table, and the guarded look-up over them
(the policy is in `link_tokens.py`).

Each service declares its failures table in its own tables module — on its one `MetaData`, matching
its migration — with the columns `client_address` (text), `token_prefix` (text) and `at`
(timestamptz, defaulting to now()); directory's `invite_failures`, messaging's `chat_link_failures`.
Its store holds a `LinkFailures(table)`, and following a link is

    await look_up(conn, token, client_address, find=..., failures=store.failures, rule="R-INV-2")

where `find(token_hash)` is the store's select of a link by `hash_token(token)`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TypeVar

from sqlalchemy import Table, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.common.link_tokens import Failures, guarded_look_up

Found = TypeVar("Found")


class LinkFailures:
    """The SQL of one failures table."""

    def __init__(self, table: Table) -> None:
        self._table = table

    async def record(
        self, conn: AsyncConnection, client_address: str, token_prefix: str, forget_before: datetime
    ) -> None:
        """Count one failed look-up; the address's failures older than `forget_before` are dropped."""
        table = self._table
        await conn.execute(
            table.delete().where(table.c.client_address == client_address, table.c.at < forget_before)
        )
        await conn.execute(table.insert().values(client_address=client_address, token_prefix=token_prefix))

    async def since(
        self, conn: AsyncConnection, client_address: str, token_prefix: str, since: datetime
    ) -> Failures:
        """Failed look-ups of an address since `since`: with this token prefix, and in all."""
        table = self._table
        same = table.c.token_prefix == token_prefix
        row = (
            await conn.execute(
                select(
                    func.count().filter(same),
                    func.min(table.c.at).filter(same),
                    func.count(),
                    func.min(table.c.at),
                ).where(table.c.client_address == client_address, table.c.at >= since)
            )
        ).one()
        return Failures(int(row[0]), row[1], int(row[2]), row[3])


async def look_up(
    conn: AsyncConnection,
    token: str,
    client_address: str | None,
    *,
    find: Callable[[bytes], Awaitable[Found | None]],
    failures: LinkFailures,
    rule: str,
) -> Found | None:
    """The link of `token` — a valid one always; an unknown one is counted against the client
    (address and token prefix) in `failures`, and refused with `RateLimited` past the limits."""

    async def failures_since(address: str, prefix: str, since: datetime) -> Failures:
        return await failures.since(conn, address, prefix, since)

    async def record_failure(address: str, prefix: str, forget_before: datetime) -> None:
        await failures.record(conn, address, prefix, forget_before)

    return await guarded_look_up(
        token,
        client_address,
        find=find,
        failures_since=failures_since,
        record_failure=record_failure,
        rule=rule,
    )
