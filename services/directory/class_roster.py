"""The students of a class by name, for a parent who holds that class's parents' link (R-ROLE-6):
they pick their child instead of typing the name. The link's holder is admitted to the class's
parents by whoever made the link (the administrator or the class teacher), so showing that class's
student names — first and last name, nothing else — to them is the same trust the link already
carries. Only a usable parents' link opens it, only to someone signed in; unknown tokens count as
guesses per address like unknown join codes (R-INV-2). The join code does not open it: the code is
handed more widely and a request waits for approval, so there the parent types the child's name."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from services.common.db import Database
from services.common.errors import NotFound, RateLimited, RuleRefused
from services.common.link_tokens import FAILURE_WINDOW, UNKNOWN_ADDRESS, guessing_retry_after, hash_token
from services.directory.invites import NOT_FOUND_MESSAGE, unusable_reason
from services.directory.store import DirectoryStore


class ClassRoster:
    def __init__(self, db: Database, store: DirectoryStore) -> None:
        self._db = db
        self._store = store

    async def for_parent_link(self, token: str, client_address: str | None) -> list[Row[Any]]:
        """The students of the link's class who gave a name; the failure of an unknown token is
        recorded in a transaction that commits before NOT_FOUND is raised."""
        async with self._db.transaction("class_roster_for_parent_link") as conn:
            invite = await self._look_up(conn, token, client_address)
            if invite is not None:
                check_parent_link(invite)
                org, klass = invite.organisation_id, invite.class_id
                students = list(await self._store.class_student_names(conn, org, klass))
        if invite is None:
            raise NotFound(NOT_FOUND_MESSAGE)
        return students

    async def _look_up(
        self, conn: AsyncConnection, token: str, client_address: str | None
    ) -> Row[Any] | None:
        address = client_address or UNKNOWN_ADDRESS
        now = datetime.now(UTC)
        failures, oldest = await self._store.join_code_failures_since(conn, address, now - FAILURE_WINDOW)
        retry_after = guessing_retry_after(failures, oldest, now)
        if retry_after is not None:
            raise RateLimited(
                "Слишком много неверных ссылок с этого адреса; попробуйте позже",
                retry_after=retry_after,
                rule="R-INV-2",
            )
        invite = await self._store.invite_by_hash(conn, hash_token(token)) if token else None
        if invite is None:
            await self._store.record_join_code_failure(conn, address, forget_before=now - FAILURE_WINDOW)
        return invite


def check_parent_link(invite: Row[Any]) -> None:
    """Only a usable parents' link opens its class's names (R-INV-2, R-ROLE-6)."""
    refusal = unusable_reason(invite, datetime.now(UTC))
    if refusal is not None:
        raise refusal
    if invite.role != "parent":
        raise RuleRefused("Список учеников открывает только ссылка для родителей", rule="R-ROLE-6")
