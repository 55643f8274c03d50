"""The plain rule functions of movement (R-MOVE-1) and the rollover, without services."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

import pytest

from services.common.errors import InvalidArgument, NotFound, RuleRefused
from services.directory.movement import moves as movement
from services.directory.movement import rollover


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
