"""Conversions between Python values and the contracts' types (services/common/convert.py)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from parta.common.v1 import common_pb2
from services.common.convert import (
    from_timestamp,
    id_text,
    ordered_roles,
    parse_uuid,
    requested_role_name,
    role_name,
    role_value,
    to_timestamp,
    uuid_or_none,
)
from services.common.errors import InvalidArgument


def test_a_request_id_parses_or_is_refused_naming_what_it_identifies() -> None:
    value = uuid.uuid4()
    assert parse_uuid(str(value), "chat_id") == value
    with pytest.raises(InvalidArgument, match="chat_id"):
        parse_uuid("not-an-id", "chat_id")


def test_an_event_id_is_none_when_empty_or_malformed() -> None:
    value = uuid.uuid4()
    assert uuid_or_none(str(value)) == value
    assert uuid_or_none("") is None
    assert uuid_or_none("garbage") is None


def test_id_text_is_empty_for_none() -> None:
    value = uuid.uuid4()
    assert id_text(value) == str(value)
    assert id_text(None) == ""


def test_timestamps_go_there_and_back_in_utc() -> None:
    moment = datetime(2026, 9, 1, 8, 30, 15, 250000, tzinfo=UTC)
    stamp = to_timestamp(moment)
    assert stamp is not None
    assert from_timestamp(stamp) == moment
    assert from_timestamp(stamp).tzinfo is not None
    assert to_timestamp(None) is None
    assert from_timestamp(Timestamp()) == datetime(1970, 1, 1, tzinfo=UTC)


def test_roles_by_name() -> None:
    assert role_name(common_pb2.ORG_ROLE_CLASS_TEACHER) == "class_teacher"
    assert role_value("class_teacher") == common_pb2.ORG_ROLE_CLASS_TEACHER
    assert requested_role_name(common_pb2.ORG_ROLE_PARENT) == "parent"
    assert requested_role_name(999) == ""
    assert ordered_roles(["parent", "administrator", "teacher"]) == ["administrator", "teacher", "parent"]
