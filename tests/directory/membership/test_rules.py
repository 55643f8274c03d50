"""The pure rules of appointments, without a database: who may be appointed administrator (R-ROLE-3),
class teacher and subject teacher (R-ROLE-4)."""

from __future__ import annotations

import pytest

from services.common.errors import RuleRefused
from services.directory.membership.assignments import (
    check_may_appoint_administrator,
    check_may_lead_class,
    check_may_teach_subject,
)


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
