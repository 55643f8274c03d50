"""Request and response bodies of joining: assignments (R-ROLE-3, R-ROLE-4), invite links
(R-INV-1, R-INV-2) and parent links (R-ROLE-6)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

RoleName = Literal[
    "administrator", "head", "administration", "teacher", "class_teacher", "educator", "student", "parent"
]


class ClassTeacherIn(BaseModel):
    user_id: str = Field(max_length=64, description="a member holding the teacher or educator role")


class SubjectIn(BaseModel):
    subject: str = Field(max_length=64, examples=["Математика"])
    user_id: str = Field(max_length=64, description="a member holding the teacher role")


class SubjectAssignmentOut(BaseModel):
    class_id: str
    subject: str
    user_id: str


class SubjectAssignments(BaseModel):
    assignments: list[SubjectAssignmentOut]


class InviteIn(BaseModel):
    """R-INV-1: a link bound to a class (or the staff room for staff) and a role."""

    class_id: str = Field(max_length=64)
    role: RoleName
    student_id: str = Field(default="", max_length=64, description="a parent link for this student")
    expires_in_days: int = Field(default=0, ge=0, le=90, description="0: a week")
    max_uses: int = Field(default=0, ge=0, le=1000, description="0: 40 for a student link, else 1")
    label: str = Field(default="", max_length=200, examples=["Иванов Иван"])


class InviteBatchIn(BaseModel):
    role: RoleName
    labels: list[str] = Field(min_length=1, max_length=200, description="one single-use link per label")
    expires_in_days: int = Field(default=0, ge=0, le=90)


class InviteOut(BaseModel):
    id: str
    class_id: str
    role: str
    student_id: str | None
    expires_at: datetime | None
    max_uses: int
    uses: int
    revoked: bool
    created_by: str
    created_at: datetime | None
    label: str
    link: str | None = Field(
        default=None,
        description="the link again, for those who may make it, while it is usable (a link made one at "
        "a time keeps its token, revoking clears it); null for batch links (R-INV-2)",
        examples=["/invite/3q2-7wEjx..."],
    )


class CreatedInviteOut(BaseModel):
    invite: InviteOut
    token: str = Field(description="a batch link's token is shown only now: only its hash is kept (R-INV-2)")
    link: str = Field(examples=["/invite/3q2-7wEjx..."])


class Invites(BaseModel):
    invites: list[InviteOut]


class RevokedInvites(BaseModel):
    revoked: int


class InvitePreviewOut(BaseModel):
    organisation_name: str
    organisation_kind: str
    class_name: str
    role: str
    expires_at: datetime | None


class ParentLinkIn(BaseModel):
    parent_id: str = Field(max_length=64)
    child_id: str = Field(max_length=64)


class ParentLinkOut(BaseModel):
    parent_id: str
    child_id: str
    created_at: datetime | None


class ParentLinks(BaseModel):
    links: list[ParentLinkOut]
