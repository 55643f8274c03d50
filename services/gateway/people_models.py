"""Request and response bodies of people's paths in the public API: join requests (R-INV-3),
movement (R-MOVE-1), support requests (R-PRIV-4) and the academic-year rollover."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

JoinRole = Literal["teacher", "educator", "head", "administration", "student", "parent"]
JoinStatus = Literal["pending", "approved", "rejected"]
MovementKind = Literal["transfer", "student_left", "staff_left"]
Addressee = Literal["administrator", "operator"]
SupportStatus = Literal["open", "in_progress", "resolved"]
Relation = Literal["mother", "father", "guardian"]
ClassKind = Literal["class", "group", "association", "staff_room"]


class ParentClaimIn(BaseModel):
    """R-ROLE-6: a parent names their child — a student of the class by id, or by first and last
    name when not in the class yet — and who they are to them."""

    child_id: str = Field(default="", max_length=64)
    child_first_name: str = Field(default="", max_length=64)
    child_last_name: str = Field(default="", max_length=64)
    relation: Relation


class InviteAcceptIn(BaseModel):
    """Accepting a link; with a parent's link, the child and the relation (R-ROLE-6)."""

    parent: ParentClaimIn | None = None


class ParentClaimOut(BaseModel):
    child_id: str | None
    child_first_name: str
    child_last_name: str
    relation: Relation


class ClassStudentOut(BaseModel):
    user_id: str
    first_name: str
    last_name: str


class ClassStudentsOut(BaseModel):
    """A parents' link's class students by name, for the parent to pick their child (R-ROLE-6)."""

    students: list[ClassStudentOut]


class JoinCodeClassOut(BaseModel):
    id: str
    name: str
    kind: ClassKind


class JoinCodePreviewOut(BaseModel):
    """What a join code leads to: the organisation and its classes of this year, no members."""

    organisation_name: str
    organisation_kind: str
    classes: list[JoinCodeClassOut]


class JoinRequestIn(BaseModel):
    """R-INV-3: ask to join by the organisation's join code."""

    join_code: str = Field(min_length=1, max_length=32)
    role: JoinRole
    class_id: str = Field(default="", description="a class for a student or parent; staff: the staff room")
    message: str = Field(default="", max_length=1000)
    parent: ParentClaimIn | None = Field(default=None, description="a parent's child and relation (R-ROLE-6)")


class JoinRequestOut(BaseModel):
    id: str
    organisation_id: str
    user_id: str
    role: str
    class_id: str | None
    message: str
    status: JoinStatus
    reason: str
    decided_by: str | None
    created_at: datetime | None
    decided_at: datetime | None
    requester_name: str | None = Field(
        default=None, description="the name in the requester's profile when they asked (R-INV-3)"
    )
    parent: ParentClaimOut | None = Field(default=None, description="a parent's child and relation")


class JoinRequests(BaseModel):
    requests: list[JoinRequestOut]


class JoinRejection(BaseModel):
    reason: str = Field(min_length=1, max_length=1000)


class TransferIn(BaseModel):
    user_id: str
    to_class_id: str
    reason: str = Field(default="", max_length=500)


class LeaveIn(BaseModel):
    user_id: str
    reason: str = Field(default="", max_length=500)


class MovementOut(BaseModel):
    id: str
    organisation_id: str
    user_id: str
    kind: MovementKind
    from_class_id: str | None
    to_class_id: str | None
    reason: str
    recorded_by: str | None
    recorded_at: datetime | None


class Movements(BaseModel):
    movements: list[MovementOut]


class SupportRequestIn(BaseModel):
    addressee: Addressee
    subject: str = Field(max_length=200)
    text: str = Field(max_length=5000)


class SupportRequestUpdate(BaseModel):
    status: SupportStatus | None = None
    answer: str | None = Field(default=None, max_length=5000)


class SupportRequestOut(BaseModel):
    id: str
    organisation_id: str
    author_id: str
    addressee: Addressee
    subject: str
    text: str
    status: SupportStatus
    answer: str
    created_at: datetime | None
    updated_at: datetime | None


class SupportRequests(BaseModel):
    requests: list[SupportRequestOut]


class RolloverOut(BaseModel):
    classes_created: int
    students_moved: int
    students_graduated: int
