"""Conversions every servicer and the gateway need between Python values and the contracts' types:
ids (`parse_uuid` for a request's, `uuid_or_none` for an event's, `id_text` back), timestamps
(`to_timestamp`, `from_timestamp`), and organisation roles by their lower-case names ("class_teacher").

Services use these instead of their own: messaging's `access.parse_id` is `parse_uuid`, its events'
`_id` / `_user` are `uuid_or_none`, `stats_events._when` is `from_timestamp`; directory's
`api_people._ts` is `to_timestamp`, `_id` is `id_text`, `_role` (there and in `api_joining`) is
`requested_role_name`."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime

from google.protobuf.timestamp_pb2 import Timestamp

from parta.common.v1 import common_pb2
from services.common.errors import InvalidArgument

# Roles in the order people read them.
ROLE_ORDER = (
    "administrator",
    "head",
    "administration",
    "class_teacher",
    "teacher",
    "educator",
    "student",
    "parent",
)


def parse_uuid(value: str, what: str) -> uuid.UUID:
    """An id from a request; InvalidArgument naming what it should identify."""
    try:
        return uuid.UUID(value)
    except ValueError:
        raise InvalidArgument(f"Некорректный идентификатор: {what}") from None


def uuid_or_none(value: str) -> uuid.UUID | None:
    """An id from an event or another service's reply: None when empty or malformed (the caller skips it)."""
    if not value:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def id_text(value: object) -> str:
    """An id for a contract's string field: "" for None."""
    return str(value) if value is not None else ""


def to_timestamp(value: datetime | None) -> Timestamp | None:
    if value is None:
        return None
    stamp = Timestamp()
    stamp.FromDatetime(value)
    return stamp


def from_timestamp(value: Timestamp) -> datetime:
    """A contract's timestamp as an aware UTC datetime (an unset one is the epoch)."""
    return value.ToDatetime(tzinfo=UTC)


def role_name(value: int) -> str:
    """ORG_ROLE_CLASS_TEACHER → "class_teacher"."""
    return common_pb2.OrgRole.Name(value).removeprefix("ORG_ROLE_").lower()  # type: ignore[arg-type]


def requested_role_name(value: int) -> str:
    """A requested role's name; "" for a value the contract does not know (refused later)."""
    try:
        return role_name(value)
    except ValueError:
        return ""


def role_value(name: str) -> common_pb2.OrgRole.ValueType:
    """ "class_teacher" → ORG_ROLE_CLASS_TEACHER; ValueError for a name that is no role."""
    return common_pb2.OrgRole.Value("ORG_ROLE_" + name.upper())


def ordered_roles(roles: Iterable[str]) -> list[str]:
    present = set(roles)
    return [role for role in ROLE_ORDER if role in present]
