"""The approved nomenclature (R-ORG-6), the academic year (organisations/parts.py), the ИНН check
(R-ORG-2)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.common.errors import InvalidArgument
from services.directory.organisations.nomenclature import (
    parse_class_name,
    parse_https_url,
    parse_time_zone,
    valid_tax_id,
)
from services.directory.organisations.parts import current_academic_year, parse_academic_year


@pytest.mark.parametrize(
    ("raw", "name", "grade"), [("5А", "5А", 5), ("5а", "5А", 5), ("11 Б", "11Б", 11), ("1-в", "1В", 1)]
)
def test_school_class_is_a_grade_and_a_cyrillic_letter(raw: str, name: str, grade: int) -> None:
    parsed = parse_class_name(raw, "school")
    assert (parsed.name, parsed.kind, parsed.grade) == (name, "class", grade)


@pytest.mark.parametrize("raw", ["12А", "0А", "5A", "5АБ", "А5", "5", "пятый А", ""])
def test_school_class_outside_the_nomenclature_is_refused(raw: str) -> None:
    with pytest.raises(InvalidArgument) as refused:
        parse_class_name(raw, "school")
    assert refused.value.rule == "R-ORG-6"


def test_kindergarten_group_is_named_by_age_band() -> None:
    assert parse_class_name("Средняя группа «Солнышко»", "kindergarten").kind == "group"
    with pytest.raises(InvalidArgument):
        parse_class_name("5А", "kindergarten")


def test_additional_education_names_associations_freely() -> None:
    assert parse_class_name("Робототехника", "additional_education").kind == "association"
    with pytest.raises(InvalidArgument):
        parse_class_name("<script>", "additional_education")


def test_academic_year_turns_in_august_in_the_schools_time_zone() -> None:
    assert current_academic_year(datetime(2026, 7, 31, 12, tzinfo=UTC), "Europe/Moscow") == "2025/2026"
    assert current_academic_year(datetime(2026, 8, 1, 12, tzinfo=UTC), "Europe/Moscow") == "2026/2027"
    # 31 July 20:00 UTC is already 1 August in Vladivostok.
    assert current_academic_year(datetime(2026, 7, 31, 20, tzinfo=UTC), "Asia/Vladivostok") == "2026/2027"
    assert parse_academic_year("2026/2027") == "2026/2027"
    for bad in ("2026/2028", "2026-2027", "26/27"):
        with pytest.raises(InvalidArgument):
            parse_academic_year(bad)


def test_tax_id_checksum() -> None:
    assert valid_tax_id("7707083893")
    assert not valid_tax_id("7707083894")
    assert not valid_tax_id("770708389")
    assert not valid_tax_id("77070838931")


def test_time_zone_and_journal_link_are_checked() -> None:
    assert parse_time_zone("Asia/Yekaterinburg") == "Asia/Yekaterinburg"
    with pytest.raises(InvalidArgument):
        parse_time_zone("Mars/Olympus")
    assert parse_https_url("https://school.example/journal") == "https://school.example/journal"
    with pytest.raises(InvalidArgument):
        parse_https_url("javascript:alert(1)")
