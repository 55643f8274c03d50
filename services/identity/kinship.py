"""Who a parent is to a child, in words others read (R-ROLE-6): «Ольга Смирнова, мама Миши
Смирнова». The child's name goes into the genitive by the Petrovich rules (`pytrovich`); when the
rules are unsure — a name that could be a boy's or a girl's, or a declension that looks wrong — the
label falls back to «Ольга Смирнова (родитель: Миша Смирнов)». Pure functions, no I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from pytrovich.detector import PetrovichGenderDetector
from pytrovich.enums import Case, Gender, NamePart
from pytrovich.maker import PetrovichDeclinationMaker

RELATION_WORDS = {"mother": "мама", "father": "папа", "guardian": "законный представитель"}
PARENT_WORD = "родитель"
# Spelling a declension must never produce (жи/ши with «ы», a stray hyphen at either end).
_MISSPELT = re.compile(r"[жшчщ]ы|^-|-$", re.IGNORECASE)
_CYRILLIC_NAME = re.compile(r"[А-Яа-яЁё]+(?:-[А-Яа-яЁё]+)*")


@dataclass(frozen=True)
class Child:
    """A child as the parent's label names them, with the relation the parent gave ('' if none)."""

    first_name: str
    last_name: str
    relation: str


@lru_cache(maxsize=1)
def _petrovich() -> tuple[PetrovichGenderDetector, PetrovichDeclinationMaker]:
    return PetrovichGenderDetector(), PetrovichDeclinationMaker()


def relation_word(relation: str) -> str:
    """«мама», «папа», «законный представитель»; «родитель» when the parent did not say."""
    return RELATION_WORDS.get(relation, PARENT_WORD)


def genitive(first_name: str, last_name: str) -> str | None:
    """«Миша Смирнов» → «Миши Смирнова»; None when the rules are unsure of the result."""
    if not (_CYRILLIC_NAME.fullmatch(first_name) and _CYRILLIC_NAME.fullmatch(last_name)):
        return None
    detector, maker = _petrovich()
    gender = detector.detect(firstname=first_name, lastname=last_name)  # type: ignore[no-untyped-call]
    if gender not in (Gender.MALE, Gender.FEMALE):
        return None
    first = maker.make(NamePart.FIRSTNAME, gender, Case.GENITIVE, first_name)
    last = maker.make(NamePart.LASTNAME, gender, Case.GENITIVE, last_name)
    if not first or not last or _MISSPELT.search(first) or _MISSPELT.search(last):
        return None
    return f"{first} {last}"


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " и " + items[-1]


def parent_label(name: str, children: list[Child]) -> str:
    """The parent's name with who they are to their children in this organisation; the name alone
    when no child is known or the parent has no name."""
    named = [c for c in children if c.first_name or c.last_name]
    if not name or not named:
        return name
    by_name: dict[tuple[str, str], Child] = {}
    for child in named:  # a child both linked and claimed is named once, with the relation said
        key = (child.first_name.lower(), child.last_name.lower())
        if key not in by_name or not by_name[key].relation:
            by_name[key] = child
    unique = list(by_name.values())
    genitives = [genitive(c.first_name, c.last_name) for c in unique]
    if any(g is None for g in genitives):
        plain = _and([" ".join(p for p in (c.first_name, c.last_name) if p) for c in unique])
        return f"{name} ({PARENT_WORD}: {plain})"
    words = {relation_word(c.relation) for c in unique}
    if len(words) == 1:
        return f"{name}, {words.pop()} {_and([g for g in genitives if g])}"
    pairs = zip(unique, genitives, strict=True)
    return f"{name}, " + ", ".join(f"{relation_word(c.relation)} {g}" for c, g in pairs)
