"""What every service refuses in any request's text before its handler runs: U+0000, which
PostgreSQL's text cannot hold (an insert would fail as a server error). One walk over the request's
string fields (nested messages, repeated fields and maps too), called by the gRPC interceptor
(grpcserver.py) for every unary call — so a new field of a new contract is covered the day it appears.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from services.common.errors import InvalidArgument

_STRING = FieldDescriptor.TYPE_STRING
_MESSAGE = FieldDescriptor.TYPE_MESSAGE


def field_with_nul(message: Message, prefix: str = "") -> str | None:
    """The dotted name of the first string field holding U+0000, or None."""
    for field, value in message.ListFields():
        name = prefix + field.name
        if field.type == _STRING:
            if any("\x00" in text for text in _values(field, value)):
                return name
        elif field.type == _MESSAGE and field.message_type is not None:
            if field.message_type.GetOptions().map_entry:
                found = _map_with_nul(field, value, name)
            else:
                found = next(
                    (hit for item in _values(field, value) if (hit := field_with_nul(item, name + "."))),
                    None,
                )
            if found:
                return found
    return None


def refuse_nul(message: Message) -> None:
    """InvalidArgument naming the field when any text of the request holds U+0000."""
    field = field_with_nul(message)
    if field is not None:
        raise InvalidArgument(f"Текст содержит недопустимый символ (U+0000) в поле {field}")


def _values(field: FieldDescriptor, value: Any) -> Iterable[Any]:
    return value if field.is_repeated else (value,)


def _map_with_nul(field: FieldDescriptor, value: Any, name: str) -> str | None:
    entry = field.message_type
    assert entry is not None
    key_field, value_field = entry.fields_by_name["key"], entry.fields_by_name["value"]
    for key, item in value.items():
        if key_field.type == _STRING and "\x00" in key:
            return name
        if value_field.type == _STRING and "\x00" in item:
            return name
        if value_field.type == _MESSAGE and (found := field_with_nul(item, f"{name}.")):
            return found
    return None
