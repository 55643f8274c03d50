"""What the organisations feature shares across its boundary, the only organisations module (with
`tables`) another feature imports: the value types it offers — the kinds of organisation and of
class in the contract's order, an organisation with the caller's roles in it (`MyOrganisation`) and
the academic year ("2026/2027": the current one, and one as written) — and what it asks of the
membership feature (`Members`, a Protocol that `main` fills with membership's store)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from services.common.errors import InvalidArgument
from services.directory.membership.roles import RoleStore

# The contract's enums are these, 1-based (0 is unspecified).
KINDS = ("school", "kindergarten", "additional_education")
CLASS_KINDS = ("class", "group", "association", "staff_room")
ACADEMIC_YEAR = re.compile(r"(\d{4})/(\d{4})")


@dataclass(frozen=True)
class MyOrganisation:
    """An organisation with the roles the person asking holds in it."""

    organisation: Row[Any]
    roles: frozenset[str]


def current_academic_year(now: datetime, time_zone: str) -> str:
    """From August the coming year: that is when schools build next year's classes."""
    local = now.astimezone(ZoneInfo(time_zone))
    start = local.year if local.month >= 8 else local.year - 1
    return f"{start}/{start + 1}"


def parse_academic_year(raw: str) -> str:
    match = ACADEMIC_YEAR.fullmatch(raw.strip())
    if (
        match is None
        or int(match.group(2)) != int(match.group(1)) + 1
        or not 2000 <= int(match.group(1)) <= 2100
    ):
        raise InvalidArgument("Учебный год записывается как «2026/2027»")
    return raw.strip()


class Members(RoleStore, Protocol):
    """A member's roles, read and changed (the administrator named in an application, R-ORG-3)."""

    async def membership(
        self,
        conn: AsyncConnection,
        organisation_id: uuid.UUID,
        user_id: uuid.UUID,
        *,
        for_update: bool = False,
    ) -> Row[Any] | None: ...
