"""The students of a class by name, for a parent who holds that class's parents' link (R-ROLE-6):
they pick their child instead of typing the name. The link's holder is admitted to the class's
parents by whoever made the link (the administrator or the class teacher), so showing that class's
student names — first and last name, nothing else — to them is the same trust the link already
carries. Only a usable parents' link opens it, only to someone signed in; the link is looked up as
every way of following it is (`invites.look_up_invite`: a valid one always, unknown ones counted per
client address and token prefix, R-INV-2). The join code does not open it: the code is
handed more widely and a request waits for approval, so there the parent types the child's name."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row

from services.common.db import Database
from services.common.errors import NotFound, RuleRefused
from services.directory.joining.invites import NOT_FOUND_MESSAGE, look_up_invite, unusable_reason
from services.directory.joining.parts import Members
from services.directory.joining.store import JoiningStore


class ClassRoster:
    def __init__(self, db: Database, store: JoiningStore, members: Members) -> None:
        self._db = db
        self._store = store
        self._members = members

    async def for_parent_link(self, token: str, client_address: str | None) -> list[Row[Any]]:
        """The students of the link's class who gave a name; the failure of an unknown token is
        recorded in a transaction that commits before NOT_FOUND is raised."""
        async with self._db.transaction("class_roster_for_parent_link") as conn:
            invite = await look_up_invite(self._store, conn, token, client_address)
            if invite is not None:
                check_parent_link(invite)
                org, klass = invite.organisation_id, invite.class_id
                students = list(await self._members.class_student_names(conn, org, klass))
        if invite is None:
            raise NotFound(NOT_FOUND_MESSAGE)
        return students


def check_parent_link(invite: Row[Any]) -> None:
    """Only a usable parents' link opens its class's names (R-INV-2, R-ROLE-6)."""
    refusal = unusable_reason(invite, datetime.now(UTC))
    if refusal is not None:
        raise refusal
    if invite.role != "parent":
        raise RuleRefused("Список учеников открывает только ссылка для родителей", rule="R-ROLE-6")
