"""Conversions every servicer and the gateway need between Python values and the contracts' types:
timestamps, and organisation roles by their lower-case names ("class_teacher")."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

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


def to_timestamp(value: datetime | None) -> Timestamp | None:
    if value is None:
        return None
    stamp = Timestamp()
    stamp.FromDatetime(value)
    return stamp


def role_name(value: int) -> str:
    """ORG_ROLE_CLASS_TEACHER → "class_teacher"."""
    return common_pb2.OrgRole.Name(value).removeprefix("ORG_ROLE_").lower()  # type: ignore[arg-type]


def role_value(name: str) -> common_pb2.OrgRole.ValueType:
    """ "class_teacher" → ORG_ROLE_CLASS_TEACHER; ValueError for a name that is no role."""
    return common_pb2.OrgRole.Value("ORG_ROLE_" + name.upper())


def ordered_roles(roles: Iterable[str]) -> list[str]:
    present = set(roles)
    return [role for role in ROLE_ORDER if role in present]
