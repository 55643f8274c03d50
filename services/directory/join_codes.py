"""What an organisation's join code leads to (R-INV-3): the organisation's name and the classes of
its current academic year, by name — nothing about members — so a student or parent can pick their
class before asking to join. Unknown codes count against the client's address like unknown invite
tokens (R-INV-2, `services/common/link_tokens.py`): past the limit the address waits, before any
look-up, so the eight-character codes cannot be guessed by trying."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from services.common.db import Database
from services.common.errors import NotFound, RateLimited
from services.common.link_tokens import FAILURE_WINDOW, UNKNOWN_ADDRESS, guessing_retry_after
from services.directory.nomenclature import current_academic_year
from services.directory.store import DirectoryStore

NOT_FOUND_MESSAGE = "Организация с таким кодом не найдена: проверьте код у администратора"


@dataclass(frozen=True)
class JoinCodePreview:
    organisation: Row[Any]
    classes: list[Row[Any]]


class JoinCodes:
    def __init__(self, db: Database, store: DirectoryStore) -> None:
        self._db = db
        self._store = store

    async def preview(self, code: str, client_address: str | None) -> JoinCodePreview:
        """The organisation of a join code and its classes of the current year, staff room first."""
        async with self._db.transaction("preview_join_code") as conn:
            organisation = await self._look_up(conn, code.strip(), client_address)
            if organisation is not None:
                year = current_academic_year(datetime.now(UTC), organisation.time_zone)
                classes = list(await self._store.classes(conn, organisation.id, year))
        if organisation is None:
            raise NotFound(NOT_FOUND_MESSAGE)
        return JoinCodePreview(organisation, classes)

    async def _look_up(self, conn: AsyncConnection, code: str, client_address: str | None) -> Row[Any] | None:
        """The organisation of a code; an unknown code is recorded against the address (guessing).
        The failure is recorded in this transaction, which commits: the caller raises after it."""
        address = client_address or UNKNOWN_ADDRESS
        now = datetime.now(UTC)
        failures, oldest = await self._store.join_code_failures_since(conn, address, now - FAILURE_WINDOW)
        retry_after = guessing_retry_after(failures, oldest, now)
        if retry_after is not None:
            raise RateLimited(
                "Слишком много неверных кодов организации с этого адреса; попробуйте позже",
                retry_after=retry_after,
                rule="R-INV-2",
            )
        organisation = await self._store.organisation_by_join_code(conn, code) if code else None
        if organisation is None:
            await self._store.record_join_code_failure(conn, address, forget_before=now - FAILURE_WINDOW)
        return organisation
