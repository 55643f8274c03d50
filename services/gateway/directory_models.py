"""Request and response bodies of the directory part of the public API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

OrganisationKind = Literal["school", "kindergarten", "additional_education"]
# In the order of the contract's OrganisationKind enum (1, 2, 3).
ORGANISATION_KINDS: tuple[OrganisationKind, ...] = ("school", "kindergarten", "additional_education")


class UploadedDocument(BaseModel):
    file_name: str = Field(min_length=1, max_length=200)
    content_type: Literal["application/pdf", "image/jpeg", "image/png"]
    content_base64: str = Field(min_length=4, description="the file, base64-encoded (at most 10 MB)")


class ApplicationSubmit(BaseModel):
    """R-ORG-2: the organisation's details and its appointed administrator."""

    kind: OrganisationKind
    name: str = Field(max_length=300)
    region: str = Field(max_length=120)
    address: str = Field(max_length=300)
    tax_id: str = Field(max_length=12, description="ИНН, 10 digits")
    admin_full_name: str = Field(max_length=150)
    admin_email: str = Field(max_length=254)
    admin_phone: str = Field(max_length=25)
    appointing_order: UploadedDocument


class ApplicationOut(BaseModel):
    id: str
    kind: str
    name: str
    region: str
    address: str
    tax_id: str
    admin_full_name: str
    admin_email: str
    admin_phone: str
    document_name: str
    status: Literal["pending", "approved", "rejected"]
    reason: str
    organisation_id: str | None
    created_at: datetime | None
    decided_at: datetime | None


class Applications(BaseModel):
    applications: list[ApplicationOut]


class Rejection(BaseModel):
    reason: str = Field(min_length=1, max_length=1000)


class OrganisationOut(BaseModel):
    id: str
    kind: str
    name: str
    region: str
    address: str
    tax_id: str
    time_zone: str
    journal_url: str
    join_code: str | None = Field(description="only administrators see it")
    my_roles: list[str]
    created_at: datetime | None


class Organisations(BaseModel):
    organisations: list[OrganisationOut]


class OrganisationUpdate(BaseModel):
    name: str | None = Field(default=None, max_length=300)
    address: str | None = Field(default=None, max_length=300)
    time_zone: str | None = Field(default=None, max_length=64, examples=["Asia/Yekaterinburg"])
    journal_url: str | None = Field(default=None, max_length=500)


class UnitIn(BaseModel):
    name: str = Field(max_length=100)


class UnitOut(BaseModel):
    id: str
    name: str


class Units(BaseModel):
    units: list[UnitOut]


class ClassIn(BaseModel):
    name: str = Field(max_length=64, examples=["5А"])
    unit_id: str = ""
    academic_year: str = Field(default="", examples=["2026/2027"])


class ClassOut(BaseModel):
    id: str
    name: str
    kind: Literal["class", "group", "association", "staff_room"]
    academic_year: str | None
    grade: int | None
    unit_id: str | None
    class_teacher_id: str | None = Field(default=None, description="the class teacher (R-ROLE-4)")
    student_count: int = Field(default=0, description="students in the class now (R-ROLE-5)")
    parent_count: int = Field(default=0, description="parents linked to those students (R-ROLE-6)")


class Classes(BaseModel):
    classes: list[ClassOut]


class MemberOut(BaseModel):
    user_id: str
    roles: list[str]
    verified_roles: list[str] = Field(
        description="staff roles verified by the administrator: the badge (R-ROLE-2)"
    )
    joined_at: datetime | None


class Members(BaseModel):
    members: list[MemberOut]


class PersonOut(BaseModel):
    user_id: str
    # '' when the person never gave a name.
    name: str
    avatar_url: str
    # The name with who a parent is to their children here: «Ольга Смирнова, мама Миши Смирнова».
    label: str = ""


class People(BaseModel):
    """Names of fellow members; ids of people outside the organisation are simply left out."""

    people: list[PersonOut]
