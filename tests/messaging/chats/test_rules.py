"""The chat rules as plain functions: who may create which kind (R-CHAT-1, R-CHAT-2), who belongs to a
chat's audience and may join it alone (R-CHAT-4, R-INV-5), who posts in channels, what a text may be."""

from __future__ import annotations

import uuid

import pytest

from services.common.errors import InvalidArgument, PermissionDenied
from services.messaging.chats.rules import (
    DEFAULT_RULES,
    MAX_MESSAGE_CHARS,
    ChatShape,
    check_may_create,
    check_text,
    clean_rules,
    in_audience,
    may_join_alone,
    may_post,
    page_limit,
)
from services.messaging.readmodel.people import Person

CLASS_5A = uuid.uuid4()
CLASS_6B = uuid.uuid4()


def someone(*roles: str, **facts: object) -> Person:
    return Person(user_id=uuid.uuid4(), roles=frozenset(roles), **facts)  # type: ignore[arg-type]


ADMIN = someone("administrator")
HEAD = someone("head")
DEPUTY = someone("administration")
TEACHER = someone("teacher")
CLASS_TEACHER_5A = someone("teacher", "class_teacher", class_teacher_of=frozenset({CLASS_5A}))
MATHS_5A = someone("teacher", subjects=frozenset({(CLASS_5A, "Математика")}))
STUDENT_5A = someone("student", student_class=CLASS_5A)
STUDENT_6B = someone("student", student_class=CLASS_6B)
PARENT_5A = someone("parent", children_classes=frozenset({CLASS_5A}))
OUTSIDER = someone()

PEOPLE = {
    "admin": ADMIN,
    "head": HEAD,
    "deputy": DEPUTY,
    "teacher": TEACHER,
    "class_teacher_5a": CLASS_TEACHER_5A,
    "maths_5a": MATHS_5A,
    "student_5a": STUDENT_5A,
    "parent_5a": PARENT_5A,
    "outsider": OUTSIDER,
}
SHAPES = {
    "class": ChatShape("class", CLASS_5A),
    "parents": ChatShape("parents", CLASS_5A),
    "class_staff": ChatShape("class_staff", CLASS_5A),
    "subject": ChatShape("subject", CLASS_5A, "Математика"),
    "management": ChatShape("management"),
    "other": ChatShape("other"),
    "channel": ChatShape("channel"),
}
# R-CHAT-1 / R-CHAT-2: who may create which kind (of class 5А where the kind has a class).
CREATORS = {
    "class": {"class_teacher_5a"},
    "parents": {"class_teacher_5a"},
    "class_staff": {"class_teacher_5a"},
    "subject": {"maths_5a"},
    "management": {"head", "deputy"},
    "other": {"admin", "head", "deputy", "teacher", "class_teacher_5a", "maths_5a"},
    "channel": {"admin"},
}


@pytest.mark.parametrize("kind", sorted(SHAPES))
def test_r_chat_1_who_may_create_which_kind(kind: str) -> None:
    allowed = set()
    for name, person in PEOPLE.items():
        try:
            check_may_create(person, SHAPES[kind])
        except PermissionDenied:
            continue
        allowed.add(name)
    assert allowed == CREATORS[kind]


def test_r_chat_1_a_class_teacher_creates_only_their_own_class_chat() -> None:
    with pytest.raises(PermissionDenied):
        check_may_create(CLASS_TEACHER_5A, ChatShape("class", CLASS_6B))
    with pytest.raises(PermissionDenied):
        check_may_create(MATHS_5A, ChatShape("subject", CLASS_5A, "Физика"))


# Who may join by themselves (open kinds), by the read model.
JOIN_ALONE = {
    "class": {"class_teacher_5a", "student_5a"},
    "parents": {"class_teacher_5a", "parent_5a"},
    "class_staff": {"class_teacher_5a", "maths_5a"},
    "subject": {"maths_5a", "student_5a"},
    "management": set(),
    "other": set(),
    "channel": set(PEOPLE) - {"outsider"},
}


@pytest.mark.parametrize("kind", sorted(SHAPES))
def test_r_chat_4_who_may_join_by_themselves(kind: str) -> None:
    joiners = {name for name, person in PEOPLE.items() if may_join_alone(person, SHAPES[kind])}
    assert joiners == JOIN_ALONE[kind]


def test_r_inv_5_outsiders_and_other_classes_are_never_in_the_audience() -> None:
    for shape in SHAPES.values():
        assert not in_audience(OUTSIDER, shape)
    assert not in_audience(STUDENT_6B, SHAPES["class"])
    assert not in_audience(STUDENT_6B, SHAPES["subject"])
    # Invitation-only kinds: anyone in the organisation may be invited.
    assert in_audience(STUDENT_6B, SHAPES["other"])


def test_r_chat_2_staff_channel_is_for_staff_and_only_administrators_post() -> None:
    staff_channel = ChatShape("channel", staff_only=True)
    assert may_join_alone(TEACHER, staff_channel)
    assert not may_join_alone(STUDENT_5A, staff_channel)
    assert not may_join_alone(PARENT_5A, staff_channel)
    assert may_post(ADMIN, staff_channel)
    assert not may_post(HEAD, staff_channel)
    assert may_post(STUDENT_5A, SHAPES["class"])


def test_r_chat_3_text_limits() -> None:
    assert check_text("<script>alert(1)</script>") == "<script>alert(1)</script>"
    assert check_text("я" * MAX_MESSAGE_CHARS)
    with pytest.raises(InvalidArgument):
        check_text("я" * (MAX_MESSAGE_CHARS + 1))
    with pytest.raises(InvalidArgument):
        check_text("  \n ")


def test_r_chat_5_default_rules_and_own_rules() -> None:
    assert clean_rules([]) == list(DEFAULT_RULES)
    assert 5 <= len(DEFAULT_RULES) <= 7
    assert clean_rules([" Пишем по делу ", "", "Без оскорблений"]) == ["Пишем по делу", "Без оскорблений"]
    with pytest.raises(InvalidArgument):
        clean_rules(["x"] * 21)


def test_page_limit() -> None:
    assert page_limit(0) == 50
    assert page_limit(100) == 100
    with pytest.raises(InvalidArgument):
        page_limit(101)


def test_r_priv_2_every_chat_forbids_advertising_and_spam_by_default() -> None:
    """R-PRIV-2: no advertising, no spam. A chat created without rules of its own gets the default
    set, and one of its numbered rules forbids both, so a moderator can cite it (R-MOD-1, R-MOD-5)."""
    rules = clean_rules([])
    citable = [n for n, rule in enumerate(rules, start=1) if "реклам" in rule and "спам" in rule]
    assert citable, rules
