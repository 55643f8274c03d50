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


class JoinRequestIn(BaseModel):
    """R-INV-3: ask to join by the organisation's join code."""

    join_code: str = Field(min_length=1, max_length=32)
    role: JoinRole
    class_id: str = Field(default="", description="a class for a student or parent; staff: the staff room")
    message: str = Field(default="", max_length=1000)


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
