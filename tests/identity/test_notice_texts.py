"""What a notice says (decision 005), as plain functions: a new join request names who asks."""

from __future__ import annotations

from parta.events.v1 import directory_pb2
from services.identity.notices.texts import new_join_request


def test_a_new_join_request_names_the_requester_and_the_role() -> None:
    event = directory_pb2.JoinRequestCreated(
        organisation_id="o", request_id="r", role="student", requester_name="Катя Иванова"
    )
    assert new_join_request(event).text == "Новая заявка на вступление: Катя Иванова — ученик"


def test_a_join_request_without_a_name_is_named_by_its_role() -> None:
    event = directory_pb2.JoinRequestCreated(organisation_id="o", request_id="r", role="parent")
    assert new_join_request(event).text == "Новая заявка на вступление: родитель"
