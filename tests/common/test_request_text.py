"""Every service refuses U+0000 in any text of any request (services/common/request_text.py):
found in a plain field, a repeated one, a nested message, a repeated message and a map, and named."""

from __future__ import annotations

import pytest
from google.protobuf import struct_pb2

from parta.directory.v1 import joining_pb2
from parta.media.v1 import media_pb2, signalling_pb2
from parta.messaging.v1 import chats_pb2
from services.common.errors import InvalidArgument
from services.common.request_text import field_with_nul, refuse_nul


def test_a_clean_request_passes() -> None:
    refuse_nul(chats_pb2.PostMessageRequest(chat_id="c", text="Привет\nмир\t!"))


def test_a_nul_in_a_plain_field_is_refused_and_named() -> None:
    with pytest.raises(InvalidArgument, match=r"U\+0000\) в поле text"):
        refuse_nul(chats_pb2.PostMessageRequest(chat_id="c", text="При\x00вет"))


def test_a_nul_in_a_repeated_field_is_found() -> None:
    request = chats_pb2.CreateChatRequest(organisation_id="o", title="5А", rules=["Без спама", "ок\x00"])
    assert field_with_nul(request) == "rules"


def test_a_nul_in_a_nested_message_is_found() -> None:
    request = joining_pb2.CreateJoinRequestRequest(parent=joining_pb2.ParentClaim(relation="мама\x00"))
    assert field_with_nul(request) == "parent.relation"


def test_a_nul_in_a_repeated_message_is_found() -> None:
    request = signalling_pb2.NegotiateRequest(
        tracks=[media_pb2.TrackInfo(mid="0"), media_pb2.TrackInfo(mid="1", kind="vi\x00deo")]
    )
    assert field_with_nul(request) == "tracks.kind"


def test_a_nul_in_a_map_key_or_value_is_found() -> None:
    assert field_with_nul(struct_pb2.Struct(fields={"a\x00": struct_pb2.Value(number_value=1)})) == "fields"
    nested = struct_pb2.Struct(fields={"a": struct_pb2.Value(string_value="b\x00")})
    assert field_with_nul(nested) == "fields.string_value"
