"""A person as the directory's read model knows them in one organisation: the plain facts every
feature's rules look at (`chats.rules`, `moderation.rules`, `polls.rules`)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

STAFF_ROLES = frozenset({"administrator", "head", "administration", "teacher", "class_teacher", "educator"})


@dataclass(frozen=True)
class Person:
    """What the directory's read model says about one person in one organisation."""

    user_id: uuid.UUID
    roles: frozenset[str] = frozenset()
    student_class: uuid.UUID | None = None
    children_classes: frozenset[uuid.UUID] = frozenset()
    class_teacher_of: frozenset[uuid.UUID] = frozenset()
    # (class_id, subject) pairs this person teaches.
    subjects: frozenset[tuple[uuid.UUID, str]] = field(default_factory=frozenset)

    @property
    def is_member(self) -> bool:
        return bool(self.roles)

    @property
    def is_staff(self) -> bool:
        return bool(self.roles & STAFF_ROLES)

    @property
    def is_admin(self) -> bool:
        return "administrator" in self.roles

    def teaches_in(self, class_id: uuid.UUID) -> bool:
        return any(cid == class_id for cid, _ in self.subjects)
