"""The pure rules of joining, without a database: link tokens, expiry and use limits (R-INV-2),
who makes which link (R-INV-1), guessing limits, and who may be appointed (R-ROLE-3, R-ROLE-4)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from services.common.errors import InvalidArgument, RuleRefused
from services.directory.assignments import (
    check_may_appoint_administrator,
    check_may_lead_class,
    check_may_teach_subject,
    clean_subject,
)
from services.directory.invites import (
    clean_label,
    expiry_days,
    guessing_retry_after,
    hash_token,
    may_create,
    new_token,
    unusable_reason,
    use_limit,
)

NOW = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)


def invite(**changes: object) -> SimpleNamespace:
    values: dict[str, object] = {
        "revoked_at": None,
        "expires_at": NOW + timedelta(days=1),
        "uses": 0,
        "max_uses": 1,
    }
    values.update(changes)
    return SimpleNamespace(**values)


def test_tokens_carry_at_least_128_random_bits_and_only_their_hash_is_kept() -> None:
    """R-INV-2: unguessable tokens; the stored form is a SHA-256 digest, not the token."""
    tokens = {new_token() for _ in range(1000)}
    assert len(tokens) == 1000
    token = next(iter(tokens))
    assert len(base64.urlsafe_b64decode(token + "==")) * 8 >= 128
    assert len(hash_token(token)) == 32
    assert hash_token(token) == hash_token(token)
    assert token.encode() not in hash_token(token)


def test_expiry_defaults_to_a_week_and_is_at_most_90_days() -> None:
    """R-INV-2: every link expires."""
    assert expiry_days(0) == 7
    assert expiry_days(90) == 90
    for bad in (-1, 91, 365):
        with pytest.raises(InvalidArgument):
            expiry_days(bad)


def test_use_limit_defaults_to_40_for_a_class_student_link_and_1_otherwise() -> None:
    """R-INV-2: every link has a use limit."""
    assert use_limit(0, "student") == 40
    assert [use_limit(0, role) for role in ("teacher", "parent", "educator")] == [1, 1, 1]
    assert use_limit(3, "teacher") == 3
    with pytest.raises(InvalidArgument):
        use_limit(-1, "student")


def test_unusable_links_are_refused_naming_r_inv_2() -> None:
    assert unusable_reason(invite(), NOW) is None
    for changes, words in (
        ({"revoked_at": NOW}, "отозвано"),
        ({"expires_at": NOW}, "Срок"),
        ({"uses": 1}, "использовано"),
    ):
        refusal = unusable_reason(invite(**changes), NOW)
        assert isinstance(refusal, RuleRefused)
        assert refusal.rule == "R-INV-2"
        assert words in refusal.message


def test_administrator_makes_any_link_class_teacher_only_student_and_parent_links_of_own_class() -> None:
    """R-INV-1."""
    admin = frozenset({"administrator"})
    class_teacher = frozenset({"teacher", "class_teacher"})
    assert all(may_create(admin, role, False) for role in ("teacher", "student", "parent", "head"))
    assert may_create(class_teacher, "student", True)
    assert may_create(class_teacher, "parent", True)
    assert not may_create(class_teacher, "student", False)
    assert not may_create(class_teacher, "teacher", True)
    assert not may_create(frozenset({"teacher"}), "student", False)


def test_guessing_is_refused_past_20_failures_until_the_window_passes() -> None:
    assert guessing_retry_after(20, NOW - timedelta(minutes=1), NOW) is None
    retry = guessing_retry_after(21, NOW - timedelta(minutes=1), NOW)
    assert retry is not None
    assert 9 * 60 <= retry <= 9 * 60 + 2


def test_labels_and_subjects_are_trimmed_and_bounded() -> None:
    assert clean_label("  Иванов   Иван ") == "Иванов Иван"
    with pytest.raises(InvalidArgument):
        clean_label("я" * 201)
    assert clean_subject(" Русский  язык ") == "Русский язык"
    for bad in ("М", "М" * 65):
        with pytest.raises(InvalidArgument):
            clean_subject(bad)


def test_administrator_is_appointed_only_from_staff() -> None:
    """R-ROLE-3."""
    check_may_appoint_administrator(frozenset({"teacher"}))
    for roles in (frozenset(), frozenset({"student"}), frozenset({"parent"})):
        with pytest.raises(RuleRefused) as refused:
            check_may_appoint_administrator(roles)
        assert refused.value.rule == "R-ROLE-3"


def test_class_teacher_is_a_teacher_or_educator_and_subjects_are_taught_by_teachers() -> None:
    """R-ROLE-4."""
    check_may_lead_class(frozenset({"teacher"}))
    check_may_lead_class(frozenset({"educator"}))
    check_may_teach_subject(frozenset({"teacher", "class_teacher"}))
    for check, roles in (
        (check_may_lead_class, frozenset({"head"})),
        (check_may_teach_subject, frozenset({"educator"})),
    ):
        with pytest.raises(RuleRefused) as refused:
            check(roles)
        assert refused.value.rule == "R-ROLE-4"
