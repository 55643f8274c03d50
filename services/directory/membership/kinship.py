"""A parent's word on their child (R-ROLE-6): which child — a student of the class by id, or the
child's name when they are not in the class yet — and who the parent is to them (мама, папа,
another legal representative). Pure rules: cleaning what the parent said; enrolment applies it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from services.common.convert import parse_uuid
from services.common.errors import InvalidArgument

RELATIONS = ("mother", "father", "guardian")
MAX_CHILD_NAME = 64


@dataclass(frozen=True)
class ParentClaim:
    """The child by id (a student of the class) or by name, and the relation ('' when not said)."""

    child_id: uuid.UUID | None
    child_first_name: str
    child_last_name: str
    relation: str


def _name(value: str, what: str) -> str:
    cleaned = " ".join(value.split())
    if len(cleaned) > MAX_CHILD_NAME:
        raise InvalidArgument(f"{what} ребёнка — не длиннее {MAX_CHILD_NAME} символов")
    if any(ch in cleaned for ch in '<>"\\'):
        raise InvalidArgument(f"{what} ребёнка содержит недопустимые символы")
    return cleaned


def parse_claim(child_id: str, first_name: str, last_name: str, relation: str) -> ParentClaim | None:
    """None when nothing was said; otherwise a child (by id, or first and last name) and a relation."""
    first, last = _name(first_name, "Имя"), _name(last_name, "Фамилия")
    if not (child_id or first or last or relation):
        return None
    if relation not in RELATIONS:
        raise InvalidArgument(
            "Укажите, кем вы приходитесь ребёнку: мама, папа или другой законный представитель"
        )
    if child_id:
        return ParentClaim(parse_uuid(child_id, "ребёнок"), "", "", relation)
    if not first or not last:
        raise InvalidArgument("Укажите имя и фамилию ребёнка")
    return ParentClaim(None, first, last, relation)
