"""The plain rule functions of people's paths, without services: join requests (R-INV-3), movement
(R-MOVE-1), support requests (R-PRIV-4) and the rollover."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

import pytest

from services.common.errors import InvalidArgument, NotFound, RuleRefused
from services.directory.joining import join_requests
from services.directory.movement import moves as movement
from services.directory.movement import rollover
from services.directory.support import requests as support


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


def test_R_MOVE_1_a_leave_is_a_students_or_a_staff_members() -> None:
    assert movement.leave_kind(frozenset({"student"})) == "student_left"
    assert movement.leave_kind(frozenset({"teacher", "class_teacher"})) == "staff_left"
    assert movement.leave_kind(frozenset({"teacher", "parent"})) == "staff_left"
    with pytest.raises(RuleRefused) as refused:
        movement.leave_kind(frozenset({"parent"}))
    assert refused.value.rule == "R-MOVE-1"


def test_R_MOVE_1_a_transfer_goes_to_another_class_of_the_same_organisation() -> None:
    org, current = uuid.uuid4(), uuid.uuid4()

    def klass(
        kind: str = "class", organisation_id: uuid.UUID = org, class_id: uuid.UUID | None = None
    ) -> object:
        return SimpleNamespace(id=class_id or uuid.uuid4(), kind=kind, organisation_id=organisation_id)

    movement.check_transfer_target(klass(), org, current)  # type: ignore[arg-type]
    with pytest.raises(NotFound):
        movement.check_transfer_target(None, org, current)
    with pytest.raises(NotFound):
        movement.check_transfer_target(klass(organisation_id=uuid.uuid4()), org, current)  # type: ignore[arg-type]
    for wrong in (klass("staff_room"), klass(class_id=current)):
        with pytest.raises(RuleRefused):
            movement.check_transfer_target(wrong, org, current)  # type: ignore[arg-type]


def test_rollover_names_the_next_year_and_the_class_one_grade_up() -> None:
    assert rollover.next_academic_year("2026/2027") == "2027/2028"
    assert rollover.promoted_name("5А", 5) == "6А"
    assert rollover.promoted_name("9Б", 9) == "10Б"
    assert rollover.promoted_name("10В", 10) == "11В"
    with pytest.raises(InvalidArgument):
        rollover.next_academic_year("2026/2028")


def test_R_PRIV_4_the_addressee_answers_and_an_update_changes_something() -> None:
    assert support.is_addressee("administrator", frozenset({"administrator"}), operator=False)
    assert not support.is_addressee("operator", frozenset({"administrator"}), operator=False)
    assert support.is_addressee("operator", frozenset(), operator=True)
    assert not support.is_addressee("administrator", frozenset({"teacher"}), operator=True)
    assert support.changes("resolved", " Готово ") == {"status": "resolved", "answer": "Готово"}
    assert support.changes(None, "Готово") == {"answer": "Готово"}
    with pytest.raises(InvalidArgument):
        support.changes(None, "  ")
    with pytest.raises(InvalidArgument):
        support.changes("closed", None)
