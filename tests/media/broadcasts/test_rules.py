"""Broadcasts' rules as plain functions: who plans (R-MEDIA-2: the administrator), who is in the
audience (the whole school, the staff, chosen classes' students and/or parents), who publishes (the
presenters only), and what a plan needs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.common.errors import InvalidArgument, NotFound, PermissionDenied, RuleRefused
from services.media.broadcasts import rules
from services.media.broadcasts.parts import Member

CLASS_5A = "5a5a5a5a-0000-0000-0000-000000000001"
CLASS_6B = "6b6b6b6b-0000-0000-0000-000000000002"
NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)

student_5a = Member(True, frozenset({"student"}), class_ids=frozenset({CLASS_5A}))
student_6b = Member(True, frozenset({"student"}), class_ids=frozenset({CLASS_6B}))
parent_5a = Member(True, frozenset({"parent"}), children_class_ids=frozenset({CLASS_5A}))
teacher = Member(True, frozenset({"teacher"}))
administrator = Member(True, frozenset({"administrator"}))
stranger = Member(False)


def classes(*ids: str, students: bool = False, parents: bool = False) -> rules.Audience:
    return rules.Audience(class_ids=frozenset(ids), students=students, parents=parents)


def test_the_whole_school_is_every_member_and_no_stranger() -> None:
    audience = rules.Audience(whole_school=True)
    assert all(rules.in_audience(audience, m) for m in [student_5a, parent_5a, teacher, administrator])
    assert not rules.in_audience(audience, stranger)


def test_staff_are_the_staff_roles_not_students_or_parents() -> None:
    audience = rules.Audience(staff=True)
    assert rules.in_audience(audience, teacher)
    assert rules.in_audience(audience, administrator)
    assert not rules.in_audience(audience, student_5a)
    assert not rules.in_audience(audience, parent_5a)


def test_a_chosen_class_is_its_students_and_or_their_parents() -> None:
    students_only = classes(CLASS_5A, students=True)
    assert rules.in_audience(students_only, student_5a)
    assert not rules.in_audience(students_only, student_6b)
    assert not rules.in_audience(students_only, parent_5a)
    parents_only = classes(CLASS_5A, parents=True)
    assert rules.in_audience(parents_only, parent_5a)
    assert not rules.in_audience(parents_only, student_5a)
    assert not rules.in_audience(classes(CLASS_6B, parents=True), parent_5a)


def test_presenters_and_administrators_may_always_watch_others_are_refused_with_r_media_2() -> None:
    audience = classes(CLASS_5A, students=True)
    rules.check_may_watch(audience, ["presenter"], teacher, "presenter")
    rules.check_may_watch(audience, ["presenter"], administrator, "admin")
    with pytest.raises(PermissionDenied) as refused:
        rules.check_may_watch(audience, ["presenter"], student_6b, "someone")
    assert refused.value.rule == "R-MEDIA-2"
    with pytest.raises(NotFound):
        rules.check_may_watch(audience, ["presenter"], stranger, "stranger")


def test_only_presenters_publish() -> None:
    assert rules.may_publish(["p1", "p2"], "p2")
    assert not rules.may_publish(["p1", "p2"], "viewer")


def test_only_the_administrator_plans() -> None:
    rules.check_may_plan(administrator)
    with pytest.raises(PermissionDenied) as refused:
        rules.check_may_plan(teacher)
    assert refused.value.rule == "R-MEDIA-2"
    with pytest.raises(NotFound):
        rules.check_may_plan(stranger)


def plan(**overrides: object) -> rules.Plan:
    values: dict[str, object] = {
        "title": "  Линейка  ",
        "starts_at": NOW,
        "presenter_ids": ("p1", "p1"),
        "audience": rules.Audience(whole_school=True),
    }
    values.update(overrides)
    return rules.Plan(**values)  # type: ignore[arg-type]


def test_a_plan_needs_a_title_a_presenter_and_an_audience() -> None:
    checked = rules.check_plan(plan())
    assert checked.title == "Линейка"
    assert checked.presenter_ids == ("p1",)
    for bad, field in [
        (plan(title=" "), "title"),
        (plan(presenter_ids=()), "presenter_ids"),
        (plan(presenter_ids=tuple(f"p{i}" for i in range(6))), "presenter_ids"),
        (plan(audience=rules.Audience()), "audience"),
        (plan(audience=classes(CLASS_5A)), "audience"),
        (plan(audience=rules.Audience(students=True)), "audience"),
    ]:
        with pytest.raises(InvalidArgument) as refused:
            rules.check_plan(bad)
        assert refused.value.field == field


def test_the_room_opens_half_an_hour_before_and_never_when_cancelled() -> None:
    rules.check_open(NOW, False, NOW - timedelta(minutes=30))
    rules.check_open(NOW, False, NOW + timedelta(hours=3))
    with pytest.raises(RuleRefused):
        rules.check_open(NOW, False, NOW - timedelta(minutes=31))
    with pytest.raises(RuleRefused):
        rules.check_open(NOW, True, NOW)


def test_a_question_is_not_empty_nor_endless() -> None:
    assert rules.check_question("  Когда каникулы? ") == "Когда каникулы?"
    with pytest.raises(InvalidArgument):
        rules.check_question("   ")
    with pytest.raises(InvalidArgument):
        rules.check_question("а" * 1001)
