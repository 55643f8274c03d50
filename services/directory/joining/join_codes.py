"""What an organisation's join code leads to (R-INV-3): the organisation's name and the classes of
its current academic year, by name — nothing about members — so a student or parent can pick their
class before asking to join. Only someone signed in may look, and unknown codes count against that
person — past `MAX_FAILURES` in the window they wait, before any look-up, so the eight-character
codes cannot be guessed by trying — and against their address, whose ceiling is much higher
(`MAX_ADDRESS_FAILURES`): a school behind one NAT address is not locked out by one person's typos,
while one address cycling through accounts still is (R-INV-2, `services/common/link_tokens.py`)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from services.common.db import Database
from services.common.errors import NotFound, RateLimited
from services.common.link_tokens import (
    FAILURE_WINDOW,
    MAX_ADDRESS_FAILURES,
    UNKNOWN_ADDRESS,
    guessing_retry_after,
)
from services.directory.joining.parts import Organisations
from services.directory.joining.store import JoinCodeFailures, JoiningStore
from services.directory.organisations.parts import current_academic_year

NOT_FOUND_MESSAGE = "Организация с таким кодом не найдена: проверьте код у администратора"


@dataclass(frozen=True)
class JoinCodePreview:
    organisation: Row[Any]
    classes: list[Row[Any]]


def guessing_wait(failures: JoinCodeFailures, now: datetime) -> int | None:
    """Seconds to wait before trying another code: past MAX_FAILURES unknown codes by this person, or
    past MAX_ADDRESS_FAILURES from their address in all (a school's NAT: many people, one address)."""
    waits = [
        guessing_retry_after(failures.person, failures.person_oldest, now),
        guessing_retry_after(
            failures.address, failures.address_oldest, now, max_failures=MAX_ADDRESS_FAILURES
        ),
    ]
    known = [wait for wait in waits if wait is not None]
    return max(known) if known else None


class JoinCodes:
    def __init__(self, db: Database, store: JoiningStore, organisations: Organisations) -> None:
        self._db = db
        self._store = store
        self._organisations = organisations

    async def preview(self, code: str, user_id: str, client_address: str | None) -> JoinCodePreview:
        """The organisation of a join code and its classes of the current year, staff room first."""
        async with self._db.transaction("preview_join_code") as conn:
            organisation = await self._look_up(conn, code.strip(), uuid.UUID(user_id), client_address)
            if organisation is not None:
                year = current_academic_year(datetime.now(UTC), organisation.time_zone)
                classes = list(await self._organisations.classes(conn, organisation.id, year))
        if organisation is None:
            raise NotFound(NOT_FOUND_MESSAGE)
        return JoinCodePreview(organisation, classes)

    async def _look_up(
        self, conn: AsyncConnection, code: str, user_id: uuid.UUID, client_address: str | None
    ) -> Row[Any] | None:
        """The organisation of a code; an unknown code is recorded against the person and their
        address (guessing). The failure is recorded in this transaction, which commits: the caller
        raises after it."""
        address = client_address or UNKNOWN_ADDRESS
        now = datetime.now(UTC)
        failures = await self._store.join_code_failures_since(conn, address, user_id, now - FAILURE_WINDOW)
        retry_after = guessing_wait(failures, now)
        if retry_after is not None:
            raise RateLimited(
                "Слишком много неверных кодов организации; проверьте код у администратора и попробуйте позже",
                retry_after=retry_after,
                rule="R-INV-2",
            )
        organisation = await self._organisations.organisation_by_join_code(conn, code) if code else None
        if organisation is None:
            await self._store.record_join_code_failure(
                conn, address, user_id, forget_before=now - FAILURE_WINDOW
            )
        return organisation
