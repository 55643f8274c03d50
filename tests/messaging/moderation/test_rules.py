"""The moderation rules as pure functions (services/messaging/moderation_rules.py), no database:
named after the rules they check (R-MOD-1..5)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from services.common.errors import InvalidArgument, RuleRefused
from services.messaging.chats.rules import DEFAULT_RULES
from services.messaging.moderation.parts import blocked_refusal, is_moderator, may_moderate
from services.messaging.moderation.rules import (
    block_active,
    block_end,
    check_may_block,
    clean_reason,
    may_be_named_moderator,
    may_block,
    rule_text,
)
from services.messaging.readmodel.people import Person

CREATOR = Person(uuid.uuid4(), frozenset({"teacher", "class_teacher"}))
TEACHER = Person(uuid.uuid4(), frozenset({"teacher"}))
ADMIN = Person(uuid.uuid4(), frozenset({"administrator"}))
STUDENT = Person(uuid.uuid4(), frozenset({"student"}))
GONE = Person(CREATOR.user_id)  # the creator after leaving the organisation: no roles


def test_r_mod_1_the_creator_and_named_moderators_moderate_and_administrators_may() -> None:
    assert is_moderator(CREATOR, CREATOR.user_id, named=False)
    assert is_moderator(TEACHER, CREATOR.user_id, named=True)
    assert not is_moderator(TEACHER, CREATOR.user_id, named=False)
    assert not is_moderator(GONE, CREATOR.user_id, named=False)
    assert not is_moderator(ADMIN, None, named=False)
    assert may_moderate(ADMIN, None, named=False)
    assert not may_moderate(STUDENT, CREATOR.user_id, named=False)


def test_r_mod_1_moderators_are_named_among_the_chats_staff_members() -> None:
    assert may_be_named_moderator(TEACHER, is_chat_member=True)
    assert not may_be_named_moderator(TEACHER, is_chat_member=False)
    assert not may_be_named_moderator(STUDENT, is_chat_member=True)


def test_r_mod_2_a_cited_rule_exists_in_the_chats_rules() -> None:
    rules = list(DEFAULT_RULES)
    assert rule_text(rules, 1) == rules[0]
    assert rule_text(rules, len(rules)) == rules[-1]
    for number in (0, -1, len(rules) + 1):
        with pytest.raises(InvalidArgument):
            rule_text(rules, number)


@pytest.mark.parametrize(
    ("violations", "days", "allowed"),
    [(4, 7, True), (4, 30, True), (10, 1, True), (3, 7, False), (0, 1, False), (4, 31, False), (4, 0, False)],
)
def test_r_mod_3_may_block_only_after_more_than_three_violations_for_at_most_30_days(
    violations: int, days: int, allowed: bool
) -> None:
    assert may_block(violations, days) is allowed


def test_r_mod_3_a_refused_block_names_r_mod_3() -> None:
    for violations, days in ((3, 7), (4, 31)):
        with pytest.raises(RuleRefused) as refused:
            check_may_block(violations, days)
        assert refused.value.rule == "R-MOD-3"
    with pytest.raises(InvalidArgument):
        check_may_block(4, 0)
    check_may_block(4, 7)


def test_r_mod_3_a_block_lifts_itself_when_it_ends_and_r_mod_4_when_lifted() -> None:
    start = datetime(2026, 9, 1, 12, tzinfo=UTC)
    end = block_end(start, 7)
    assert end == start + timedelta(days=7)
    assert block_active(end, None, start + timedelta(days=6, hours=23))
    assert not block_active(end, None, end)
    assert not block_active(end, None, end + timedelta(seconds=1))
    assert not block_active(end, start + timedelta(days=1), start + timedelta(days=2))
    refusal = blocked_refusal(end)
    assert refusal.rule == "R-MOD-3"
    assert "2026-09-08" in refusal.message


def test_r_mod_5_no_action_without_a_reason() -> None:
    assert clean_reason("  Грубость  ") == "Грубость"
    for blank in ("", "   "):
        with pytest.raises(InvalidArgument) as error:
            clean_reason(blank)
        assert error.value.rule == "R-MOD-5"
    with pytest.raises(InvalidArgument):
        clean_reason("x" * 1001)
