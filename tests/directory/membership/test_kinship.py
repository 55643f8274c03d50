"""A parent's word on their child (R-ROLE-6): a child by id or by first and last name, and a
relation among мама, папа, другой законный представитель."""

from __future__ import annotations

import uuid

import pytest

from services.common.errors import InvalidArgument
from services.directory.membership.kinship import ParentClaim, parse_claim


def test_nothing_said_is_no_claim() -> None:
    assert parse_claim("", "", "", "") is None


def test_a_typed_child_needs_first_and_last_name() -> None:
    assert parse_claim("", " Миша ", "Смирнов", "mother") == ParentClaim(None, "Миша", "Смирнов", "mother")
    with pytest.raises(InvalidArgument):
        parse_claim("", "Миша", "", "mother")


def test_a_picked_child_is_an_id() -> None:
    child = uuid.uuid4()
    assert parse_claim(str(child), "", "", "father") == ParentClaim(child, "", "", "father")
    with pytest.raises(InvalidArgument):
        parse_claim("not-an-id", "", "", "father")


def test_the_relation_is_one_of_three() -> None:
    with pytest.raises(InvalidArgument):
        parse_claim("", "Миша", "Смирнов", "")
    with pytest.raises(InvalidArgument):
        parse_claim("", "Миша", "Смирнов", "aunt")


def test_a_child_name_is_plain_text() -> None:
    with pytest.raises(InvalidArgument):
        parse_claim("", "<b>Миша</b>", "Смирнов", "mother")
