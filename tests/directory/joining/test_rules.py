"""The pure rules of joining, without a database: link tokens, expiry and use limits (R-INV-2),
who makes which link (R-INV-1), guessing limits, and join requests (R-INV-3)."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from services.common.errors import InvalidArgument, RuleRefused
from services.common.link_tokens import (
    MAX_ADDRESS_FAILURES,
    Failures,
    guessing_retry_after,
    guessing_wait,
    hash_token,
    new_token,
    token_prefix,
)
from services.directory.joining import join_requests
from services.directory.joining.invites import (
    clean_label,
    default_use_limit,
    lifetime_days,
    may_create,
    shown_token,
    unusable_reason,
    use_limit,
)
from services.directory.membership.assignments import (
    clean_subject,
)

NOW = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)


def invite(**changes: object) -> SimpleNamespace:
    values: dict[str, object] = {
        "revoked_at": None,
        "expires_at": NOW + timedelta(days=1),
        "uses": 0,
        "max_uses": 1,
        "token": None,
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
    assert lifetime_days(0) == 7
    assert lifetime_days(90) == 90
    for bad in (-1, 91, 365):
        with pytest.raises(InvalidArgument) as refused:
            lifetime_days(bad)
        assert refused.value.rule == "R-INV-2"
        assert "R-INV" not in refused.value.message


def test_student_link_is_multi_use_by_default_the_class_size_plus_a_margin() -> None:
    """R-INV-2: a class's students' link fits the class: max(students, 30) + 10."""
    assert use_limit(0, "student") == 40
    assert default_use_limit("student", 0) == 40
    assert default_use_limit("student", 25) == 40
    assert default_use_limit("student", 34) == 44


def test_parent_link_is_multi_use_by_default_twice_the_students() -> None:
    """R-INV-2: two parents (or a grandmother) per child."""
    assert use_limit(0, "parent") == 80
    assert default_use_limit("parent", 30) == 80
    assert default_use_limit("parent", 35) == 90


def test_staff_link_stays_single_use_by_default() -> None:
    assert [use_limit(0, role, 30) for role in ("teacher", "educator", "administration", "head")] == [1] * 4


def test_an_explicit_use_limit_wins_over_the_default() -> None:
    assert use_limit(3, "teacher") == 3
    assert use_limit(1, "parent", 30) == 1
    assert use_limit(1000, "student") == 1000
    for bad in (-1, 1001):
        with pytest.raises(InvalidArgument) as refused:
            use_limit(bad, "student")
        assert refused.value.rule == "R-INV-2"
        assert refused.value.message == "Число использований — от 1 до 1000"


def test_a_kept_token_is_shown_again_only_while_the_link_is_usable() -> None:
    """R-INV-2: a link made one at a time can be shown again; a revoked, expired or used-up one
    cannot, and a batch link never kept its token."""
    assert shown_token(invite(token="abc"), NOW) == "abc"
    assert shown_token(invite(token=None), NOW) == ""
    for changes in ({"revoked_at": NOW}, {"expires_at": NOW}, {"uses": 1}):
        assert shown_token(invite(token="abc", **changes), NOW) == ""


def test_unusable_links_are_refused_naming_r_inv_2() -> None:
    assert unusable_reason(invite(), NOW) is None
    for changes, words in (
        ({"revoked_at": NOW}, "отозвано"),
        ({"expires_at": NOW}, "срок"),
        ({"uses": 1}, "использовано"),
    ):
        refusal = unusable_reason(invite(**changes), NOW)
        assert isinstance(refusal, RuleRefused)
        assert refusal.rule == "R-INV-2"
        assert words in refusal.message.lower()


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


def failures(same_prefix: int, address: int, minutes_ago: int = 1) -> Failures:
    oldest = NOW - timedelta(minutes=minutes_ago)
    return Failures(same_prefix, oldest if same_prefix else None, address, oldest if address else None)


def test_failures_are_counted_per_client_address_and_token_prefix() -> None:
    token = new_token()
    assert token_prefix(token) == token[:4]
    assert token_prefix("") == ""


def test_one_client_guessing_one_prefix_waits_past_20_failures() -> None:
    """R-INV-2: a client retyping one broken link (one prefix) waits; nobody else does."""
    assert guessing_wait(failures(20, 20), NOW) is None
    wait = guessing_wait(failures(21, 21), NOW)
    assert wait is not None
    assert 9 * 60 <= wait <= 9 * 60 + 2


def test_wrong_guesses_of_other_prefixes_do_not_count_against_a_client() -> None:
    """Behind one NAT: 200 wrong guesses of various prefixes, 3 of this one — no wait."""
    assert guessing_wait(failures(3, 200), NOW) is None


def test_the_per_address_ceiling_holds_whatever_the_prefix() -> None:
    assert guessing_wait(failures(0, MAX_ADDRESS_FAILURES), NOW) is None
    wait = guessing_wait(failures(0, MAX_ADDRESS_FAILURES + 1, minutes_ago=4), NOW)
    assert wait is not None
    assert 6 * 60 <= wait <= 6 * 60 + 2


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


def test_R_INV_3_only_joining_roles_may_be_requested() -> None:
    for role in ("teacher", "educator", "head", "administration", "student", "parent"):
        join_requests.check_requestable_role(role)
    for role in ("administrator", "class_teacher", "unspecified", ""):
        with pytest.raises(InvalidArgument):
            join_requests.check_requestable_role(role)


def test_R_INV_3_a_rejection_names_its_reason_an_approval_need_not() -> None:
    assert join_requests.clean_reason("", approve=True) == ""
    assert join_requests.clean_reason("  Нет в списках ", approve=False) == "Нет в списках"
    with pytest.raises(InvalidArgument):
        join_requests.clean_reason("   ", approve=False)


def test_R_INV_3_a_class_teacher_decides_students_and_parents_of_their_classes_only() -> None:
    mine, other = uuid.uuid4(), uuid.uuid4()
    assert join_requests.class_teacher_may_decide("student", mine, [mine])
    assert join_requests.class_teacher_may_decide("parent", mine, [mine])
    assert not join_requests.class_teacher_may_decide("student", other, [mine])
    assert not join_requests.class_teacher_may_decide("teacher", mine, [mine])
    assert not join_requests.class_teacher_may_decide("student", None, [mine])
