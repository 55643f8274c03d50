"""Asking to join an organisation by its join code, and the administrator's answer:
/api/v1/join-codes/{code}, /api/v1/join-requests, /api/v1/orgs/{org}/join-requests (R-INV-3); a
parents' link's class students, for a parent to pick their child (R-ROLE-6).
The routes with their request and response bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from parta.directory.v1 import joining_pb2
from parta.identity.v1 import identity_pb2 as ipb
from services.common.convert import role_name, role_value
from services.gateway.deps import BackendsDep
from services.gateway.http.common_models import (
    CLASS_KINDS,
    ORGANISATION_KINDS,
    ParentClaimIn,
    Relation,
    claim_message,
    enum_value,
)
from services.gateway.views import timestamp

JoinRole = Literal["teacher", "educator", "head", "administration", "student", "parent"]
JoinStatus = Literal["pending", "approved", "rejected"]
ClassKind = Literal["class", "group", "association", "staff_room"]


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


router = APIRouter(tags=["people"])
ORG = "/api/v1/orgs/{org_id}"
JOIN_STATUSES = ("pending", "approved", "rejected")


def join_request_out(reply: joining_pb2.JoinRequest) -> JoinRequestOut:
    return JoinRequestOut.model_validate(
        {
            "id": reply.id,
            "organisation_id": reply.organisation_id,
            "user_id": reply.user_id,
            "role": role_name(reply.role),
            "class_id": reply.class_id or None,
            "message": reply.message,
            "status": JOIN_STATUSES[reply.status - 1],
            "reason": reply.reason,
            "decided_by": reply.decided_by or None,
            "created_at": timestamp(reply.created_at),
            "decided_at": timestamp(reply.decided_at),
            "requester_name": reply.requester_name or None,
            "parent": claim_out(reply.parent),
        }
    )


def claim_out(claim: joining_pb2.ParentClaim) -> dict[str, Any] | None:
    if not claim.relation:
        return None
    return {
        "child_id": claim.child_id or None,
        "child_first_name": claim.child_first_name,
        "child_last_name": claim.child_last_name,
        "relation": claim.relation,
    }


def profile_name(user: ipb.User) -> str:
    """The name a person goes by in their school profile (as identity shows it to fellow members)."""
    return user.display_name or " ".join(p for p in (user.first_name, user.last_name) if p)


@router.get(
    "/api/v1/invites/{token}/students",
    summary="A parents' link's class students by name, to pick one's child (signed in, R-ROLE-6)",
)
async def invite_class_students(token: str, backends: BackendsDep) -> ClassStudentsOut:
    reply = await backends.joining.ListClassStudentsForInvite(joining_pb2.InviteTokenRequest(token=token))
    return ClassStudentsOut.model_validate(
        {
            "students": [
                {"user_id": s.user_id, "first_name": s.first_name, "last_name": s.last_name}
                for s in reply.students
            ]
        }
    )


@router.get(
    "/api/v1/join-codes/{code}",
    summary="What a join code leads to: the organisation and its classes this year (no members)",
)
async def preview_join_code(code: str, backends: BackendsDep) -> JoinCodePreviewOut:
    reply = await backends.joining.PreviewJoinCode(joining_pb2.JoinCodeRequest(join_code=code))
    return JoinCodePreviewOut.model_validate(
        {
            "organisation_name": reply.organisation_name,
            "organisation_kind": ORGANISATION_KINDS[reply.organisation_kind - 1],
            "classes": [{"id": c.id, "name": c.name, "kind": CLASS_KINDS[c.kind - 1]} for c in reply.classes],
        }
    )


@router.post("/api/v1/join-requests", status_code=201, summary="Ask to join by the join code (R-INV-3)")
async def create_join_request(body: JoinRequestIn, backends: BackendsDep) -> JoinRequestOut:
    # R-INV-3, R-PRIV-1: the requester is not a member yet, so the request carries the name from
    # their own profile (asked of identity with their token) for the administrator to see.
    me = await backends.identity.GetMe(ipb.GetMeRequest())
    request = joining_pb2.CreateJoinRequestRequest(
        join_code=body.join_code,
        role=role_value(body.role),
        class_id=body.class_id,
        message=body.message,
        requester_name=profile_name(me),
        parent=claim_message(body.parent),
    )
    reply = await backends.joining.CreateJoinRequest(request)
    return join_request_out(reply)


@router.get(
    ORG + "/join-requests", summary="Join requests (the administrator; a class teacher: their classes)"
)
async def list_join_requests(org_id: str, backends: BackendsDep, status: str = "") -> JoinRequests:
    request = joining_pb2.ListJoinRequestsRequest(
        organisation_id=org_id, status=enum_value(JOIN_STATUSES, status, "status")
    )
    reply = await backends.joining.ListJoinRequests(request)
    return JoinRequests(requests=[join_request_out(r) for r in reply.requests])


@router.post(ORG + "/join-requests/{request_id}:approve", summary="Approve: the person joins (R-INV-3)")
async def approve_join_request(org_id: str, request_id: str, backends: BackendsDep) -> JoinRequestOut:
    request = joining_pb2.DecideJoinRequestRequest(
        organisation_id=org_id, request_id=request_id, approve=True
    )
    reply = await backends.joining.DecideJoinRequest(request)
    return join_request_out(reply)


@router.post(ORG + "/join-requests/{request_id}:reject", summary="Reject with a reason (R-INV-3)")
async def reject_join_request(
    org_id: str, request_id: str, body: JoinRejection, backends: BackendsDep
) -> JoinRequestOut:
    request = joining_pb2.DecideJoinRequestRequest(
        organisation_id=org_id, request_id=request_id, approve=False, reason=body.reason
    )
    reply = await backends.joining.DecideJoinRequest(request)
    return join_request_out(reply)
