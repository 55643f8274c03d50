"""R-MOVE-2 as a plain function: after a role change, who stays in which kind of chat."""

from __future__ import annotations

import uuid

import pytest

from services.messaging.chats.rules import ChatShape, still_belongs
from services.messaging.readmodel.people import Person

FIVE_A = uuid.uuid4()
SIX_B = uuid.uuid4()
ME = uuid.uuid4()


def person(*roles: str, **facts: object) -> Person:
    return Person(user_id=ME, roles=frozenset(roles), **facts)  # type: ignore[arg-type]


def test_r_move_2_nobody_without_roles_stays_anywhere() -> None:
    for kind in ("class", "parents", "class_staff", "subject", "management", "other", "channel"):
        assert not still_belongs(person(), ChatShape(kind, FIVE_A))


def test_r_move_2_a_former_student_of_the_class_leaves_its_class_and_subject_chats() -> None:
    moved = person("student", student_class=SIX_B)
    assert not still_belongs(moved, ChatShape("class", FIVE_A))
    assert not still_belongs(moved, ChatShape("subject", FIVE_A, "Математика"))
    assert still_belongs(moved, ChatShape("class", SIX_B))


def test_r_move_2_a_parent_without_a_child_in_the_class_leaves_its_parents_chat() -> None:
    assert not still_belongs(
        person("parent", children_classes=frozenset({SIX_B})), ChatShape("parents", FIVE_A)
    )
    assert still_belongs(person("parent", children_classes=frozenset({FIVE_A})), ChatShape("parents", FIVE_A))


@pytest.mark.parametrize("kind", ["class_staff", "management"])
def test_r_move_2_who_is_no_longer_staff_leaves_staff_chats(kind: str) -> None:
    assert not still_belongs(person("parent"), ChatShape(kind, FIVE_A))
    assert still_belongs(person("teacher"), ChatShape(kind, FIVE_A))


def test_r_move_2_the_staff_channel_keeps_only_staff_and_the_school_channel_every_member() -> None:
    assert not still_belongs(person("parent"), ChatShape("channel", staff_only=True))
    assert still_belongs(person("parent"), ChatShape("channel", staff_only=False))
    assert still_belongs(person("teacher"), ChatShape("channel", staff_only=True))


def test_r_move_2_staff_invited_to_a_class_chat_stay_while_they_are_staff() -> None:
    assert still_belongs(person("teacher"), ChatShape("class", FIVE_A))
    assert still_belongs(person("educator"), ChatShape("parents", FIVE_A))


def test_r_move_2_invitees_of_an_other_chat_stay_while_they_are_members() -> None:
    assert still_belongs(person("parent"), ChatShape("other"))
