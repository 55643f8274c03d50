"""The approved nomenclature as plain functions (R-ORG-6): school classes are a grade 1–11 and a
Cyrillic letter ("5А"); kindergarten groups are named by age band; additional-education centres
name their associations freely. Also the ИНН check, time zones and the journal's link (the academic
year, which other features use too, is in parts.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from services.common.errors import InvalidArgument

SCHOOL_CLASS = re.compile(r"(1[01]|[1-9])\s*-?\s*([А-ЯЁа-яё])")
GROUP_AGE_BANDS = (
    "Ясельная",
    "Первая младшая",
    "Вторая младшая",
    "Младшая",
    "Средняя",
    "Старшая",
    "Подготовительная",
    "Разновозрастная",
)
FREE_NAME = re.compile(r"[0-9A-Za-zА-Яа-яЁё«»\"'().,№ \-]{2,64}")


@dataclass(frozen=True)
class ClassName:
    name: str
    kind: str  # class | group | association
    grade: int | None


def parse_class_name(raw: str, organisation_kind: str) -> ClassName:
    """Validate a class (or group, or association) name for this kind of organisation."""
    text = " ".join(raw.split())
    if organisation_kind == "school":
        match = SCHOOL_CLASS.fullmatch(text)
        if match is None:
            raise InvalidArgument(
                f"Класс — номер от 1 до 11 и буква кириллицы, например «5А», а не «{text}»",
                rule="R-ORG-6",
            )
        grade = int(match.group(1))
        return ClassName(f"{grade}{match.group(2).upper()}", "class", grade)
    if organisation_kind == "kindergarten":
        if not any(text.startswith(band) for band in GROUP_AGE_BANDS) or not FREE_NAME.fullmatch(text):
            raise InvalidArgument(
                "Группа детского сада называется по возрасту: " + ", ".join(GROUP_AGE_BANDS),
                rule="R-ORG-6",
            )
        return ClassName(text, "group", None)
    if not FREE_NAME.fullmatch(text):
        raise InvalidArgument("Название объединения — от 2 до 64 букв и цифр", rule="R-ORG-6")
    return ClassName(text, "association", None)


def valid_tax_id(tax_id: str) -> bool:
    """ИНН of a legal entity: 10 digits, the last a checksum of the others."""
    if not re.fullmatch(r"\d{10}", tax_id):
        return False
    weights = (2, 4, 10, 3, 5, 9, 4, 6, 8)
    check = sum(int(d) * w for d, w in zip(tax_id[:9], weights, strict=True)) % 11 % 10
    return check == int(tax_id[9])


def parse_time_zone(raw: str) -> str:
    try:
        ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidArgument(
            f"Неизвестный часовой пояс: «{raw}» (например, Asia/Yekaterinburg — Екатеринбург)"
        ) from None
    return raw


def parse_https_url(raw: str) -> str:
    url = raw.strip()
    if url and not re.fullmatch(r"https://[\w\-.]+(:\d+)?(/[\w\-./%?=&#~+]*)?", url):
        raise InvalidArgument("Ссылка на электронный журнал должна начинаться с https://")
    return url
