"""Assignments: an administrator appointed, a class teacher and subject teachers assigned:
/api/v1/orgs/{org}/... (R-ROLE-3, R-ROLE-4).
The routes with their request and response bodies."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from parta.directory.v1 import membership_pb2
from services.common.convert import role_name
from services.gateway.deps import BackendsDep
from services.gateway.http.common_models import (
    ClassOut,
    MemberOut,
    class_out,
)
from services.gateway.views import timestamp


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


router = APIRouter(tags=["joining"])
ORGS = "/api/v1/orgs/{org_id}"


def subject_out(reply: membership_pb2.SubjectAssignment) -> SubjectAssignmentOut:
    return SubjectAssignmentOut(class_id=reply.class_id, subject=reply.subject, user_id=reply.user_id)


@router.post(
    ORGS + "/members/{user_id}:appoint-administrator",
    summary="Appoint an administrator from joined staff (the administrator, R-ROLE-3)",
)
async def appoint_administrator(org_id: str, user_id: str, backends: BackendsDep) -> MemberOut:
    reply = await backends.members.AppointAdministrator(
        membership_pb2.MemberRequest(organisation_id=org_id, user_id=user_id)
    )
    return MemberOut.model_validate(
        {
            "user_id": reply.user_id,
            "roles": [role_name(r) for r in reply.roles],
            "verified_roles": [role_name(r) for r in reply.verified_roles],
            "joined_at": timestamp(reply.joined_at),
        }
    )


@router.put(
    ORGS + "/classes/{class_id}/class-teacher",
    summary="Assign the class teacher, replacing the previous one (the administrator, R-ROLE-4)",
)
async def assign_class_teacher(
    org_id: str, class_id: str, body: ClassTeacherIn, backends: BackendsDep
) -> ClassOut:
    reply = await backends.members.AssignClassTeacher(
        membership_pb2.AssignClassTeacherRequest(
            organisation_id=org_id, class_id=class_id, user_id=body.user_id
        )
    )
    return class_out(reply)


@router.post(
    ORGS + "/classes/{class_id}/subjects",
    status_code=201,
    summary="Assign a subject teacher to a class (the administrator, R-ROLE-4)",
)
async def assign_subject_teacher(
    org_id: str, class_id: str, body: SubjectIn, backends: BackendsDep
) -> SubjectAssignmentOut:
    reply = await backends.members.AssignSubjectTeacher(
        membership_pb2.AssignSubjectTeacherRequest(
            organisation_id=org_id, class_id=class_id, subject=body.subject, user_id=body.user_id
        )
    )
    return subject_out(reply)


@router.get(ORGS + "/subjects", summary="Subject teachers by class (the administrator, R-ROLE-4)")
async def list_subject_assignments(
    org_id: str, backends: BackendsDep, class_id: str = ""
) -> SubjectAssignments:
    reply = await backends.members.ListSubjectAssignments(
        membership_pb2.ListSubjectAssignmentsRequest(organisation_id=org_id, class_id=class_id)
    )
    return SubjectAssignments(assignments=[subject_out(a) for a in reply.assignments])
