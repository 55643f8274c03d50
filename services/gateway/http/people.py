"""Join requests, movement, support requests and the year rollover: /api/v1/orgs/{org}/...
(R-INV-3, R-MOVE-1, R-MOVE-2, R-PRIV-4). The routes
with their request and response bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field

from parta.directory.v1 import directory_pb2 as pb
from parta.identity.v1 import identity_pb2 as ipb
from services.common.convert import role_name, role_value
from services.gateway.deps import BackendsDep
from services.gateway.http.common_models import (
    CLASS_KINDS,
    ORGANISATION_KINDS,
    ParentClaimIn,
    Relation,
    claim_message,
)
from services.gateway.views import timestamp

JoinRole = Literal["teacher", "educator", "head", "administration", "student", "parent"]


JoinStatus = Literal["pending", "approved", "rejected"]


MovementKind = Literal["transfer", "student_left", "staff_left"]


Addressee = Literal["administrator", "operator"]


SupportStatus = Literal["open", "in_progress", "resolved"]


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


router = APIRouter(tags=["people"])


ORG = "/api/v1/orgs/{org_id}"


JOIN_STATUSES = ("pending", "approved", "rejected")


MOVEMENT_KINDS = ("transfer", "student_left", "staff_left")


ADDRESSEES = ("administrator", "operator")


SUPPORT_STATUSES = ("open", "in_progress", "resolved")


def enum_value(names: tuple[str, ...], name: str, what: str) -> Any:
    """A query parameter's name as the contract's enum value (0 when empty)."""
    if not name:
        return 0
    if name not in names:
        raise HTTPException(400, f"{what}: " + ", ".join(names))
    return names.index(name) + 1


def join_request_out(reply: pb.JoinRequest) -> JoinRequestOut:
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


def claim_out(claim: pb.ParentClaim) -> dict[str, Any] | None:
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


def movement_out(reply: pb.Movement) -> MovementOut:
    return MovementOut.model_validate(
        {
            "id": reply.id,
            "organisation_id": reply.organisation_id,
            "user_id": reply.user_id,
            "kind": MOVEMENT_KINDS[reply.kind - 1],
            "from_class_id": reply.from_class_id or None,
            "to_class_id": reply.to_class_id or None,
            "reason": reply.reason,
            "recorded_by": reply.recorded_by or None,
            "recorded_at": timestamp(reply.recorded_at),
        }
    )


def support_request_out(reply: pb.SupportRequest) -> SupportRequestOut:
    return SupportRequestOut.model_validate(
        {
            "id": reply.id,
            "organisation_id": reply.organisation_id,
            "author_id": reply.author_id,
            "addressee": ADDRESSEES[reply.addressee - 1],
            "subject": reply.subject,
            "text": reply.text,
            "status": SUPPORT_STATUSES[reply.status - 1],
            "answer": reply.answer,
            "created_at": timestamp(reply.created_at),
            "updated_at": timestamp(reply.updated_at),
        }
    )


# --- join requests (R-INV-3) ----------------------------------------------------------------------
@router.get(
    "/api/v1/invites/{token}/students",
    summary="A parents' link's class students by name, to pick one's child (signed in, R-ROLE-6)",
)
async def invite_class_students(token: str, backends: BackendsDep) -> ClassStudentsOut:
    reply = await backends.directory.ListClassStudentsForInvite(pb.InviteTokenRequest(token=token))
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
    reply = await backends.directory.PreviewJoinCode(pb.JoinCodeRequest(join_code=code))
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
    request = pb.CreateJoinRequestRequest(
        join_code=body.join_code,
        role=role_value(body.role),
        class_id=body.class_id,
        message=body.message,
        requester_name=profile_name(me),
        parent=claim_message(body.parent),
    )
    reply = await backends.directory.CreateJoinRequest(request)
    return join_request_out(reply)


@router.get(
    ORG + "/join-requests", summary="Join requests (the administrator; a class teacher: their classes)"
)
async def list_join_requests(org_id: str, backends: BackendsDep, status: str = "") -> JoinRequests:
    request = pb.ListJoinRequestsRequest(
        organisation_id=org_id, status=enum_value(JOIN_STATUSES, status, "status")
    )
    reply = await backends.directory.ListJoinRequests(request)
    return JoinRequests(requests=[join_request_out(r) for r in reply.requests])


@router.post(ORG + "/join-requests/{request_id}:approve", summary="Approve: the person joins (R-INV-3)")
async def approve_join_request(org_id: str, request_id: str, backends: BackendsDep) -> JoinRequestOut:
    request = pb.DecideJoinRequestRequest(organisation_id=org_id, request_id=request_id, approve=True)
    reply = await backends.directory.DecideJoinRequest(request)
    return join_request_out(reply)


@router.post(ORG + "/join-requests/{request_id}:reject", summary="Reject with a reason (R-INV-3)")
async def reject_join_request(
    org_id: str, request_id: str, body: JoinRejection, backends: BackendsDep
) -> JoinRequestOut:
    request = pb.DecideJoinRequestRequest(
        organisation_id=org_id, request_id=request_id, approve=False, reason=body.reason
    )
    reply = await backends.directory.DecideJoinRequest(request)
    return join_request_out(reply)


# --- movement (R-MOVE-1, R-MOVE-2) ----------------------------------------------------------------
@router.post(ORG + "/movements:transfer", summary="Transfer a student to another class (R-MOVE-1)")
async def transfer_student(org_id: str, body: TransferIn, backends: BackendsDep) -> MovementOut:
    request = pb.TransferStudentRequest(
        organisation_id=org_id, user_id=body.user_id, to_class_id=body.to_class_id, reason=body.reason
    )
    reply = await backends.directory.TransferStudent(request)
    return movement_out(reply)


@router.post(ORG + "/movements:leave", summary="A student or staff member leaves (R-MOVE-1, R-MOVE-2)")
async def record_leave(org_id: str, body: LeaveIn, backends: BackendsDep) -> MovementOut:
    request = pb.RecordLeaveRequest(organisation_id=org_id, user_id=body.user_id, reason=body.reason)
    reply = await backends.directory.RecordLeave(request)
    return movement_out(reply)


@router.get(ORG + "/movements", summary="Movement history (the administrator and the head, R-MOVE-1)")
async def list_movements(org_id: str, backends: BackendsDep, user_id: str = "") -> Movements:
    request = pb.ListMovementsRequest(organisation_id=org_id, user_id=user_id)
    reply = await backends.directory.ListMovements(request)
    return Movements(movements=[movement_out(m) for m in reply.movements])


# --- support requests (R-PRIV-4) ------------------------------------------------------------------
@router.post(
    ORG + "/support-requests", status_code=201, summary="Ask the administrator or the operator for help"
)
async def create_support_request(
    org_id: str, body: SupportRequestIn, backends: BackendsDep
) -> SupportRequestOut:
    request = pb.CreateSupportRequestRequest(
        organisation_id=org_id,
        addressee=ADDRESSEES.index(body.addressee) + 1,  # type: ignore[arg-type]
        subject=body.subject,
        text=body.text,
    )
    reply = await backends.directory.CreateSupportRequest(request)
    return support_request_out(reply)


@router.get(ORG + "/support-requests", summary="Support requests: mine, and those addressed to me")
async def list_support_requests(
    org_id: str, backends: BackendsDep, addressee: str = "", status: str = ""
) -> SupportRequests:
    request = pb.ListSupportRequestsRequest(
        organisation_id=org_id,
        addressee=enum_value(ADDRESSEES, addressee, "addressee"),
        status=enum_value(SUPPORT_STATUSES, status, "status"),
    )
    reply = await backends.directory.ListSupportRequests(request)
    return SupportRequests(requests=[support_request_out(r) for r in reply.requests])


@router.get(
    "/api/v1/support-requests", summary="Every organisation's requests to the operator (operator staff)"
)
async def operator_support_requests(backends: BackendsDep, status: str = "") -> SupportRequests:
    request = pb.ListSupportRequestsRequest(
        addressee=pb.SupportRequest.ADDRESSEE_OPERATOR,
        status=enum_value(SUPPORT_STATUSES, status, "status"),
    )
    reply = await backends.directory.ListSupportRequests(request)
    return SupportRequests(requests=[support_request_out(r) for r in reply.requests])


@router.patch("/api/v1/support-requests/{request_id}", summary="Status and answer (the addressee)")
async def update_support_request(
    request_id: str, body: SupportRequestUpdate, backends: BackendsDep
) -> SupportRequestOut:
    request = pb.UpdateSupportRequestRequest(
        request_id=request_id,
        status=SUPPORT_STATUSES.index(body.status) + 1 if body.status else 0,  # type: ignore[arg-type]
        answer=body.answer or "",
    )
    reply = await backends.directory.UpdateSupportRequest(request)
    return support_request_out(reply)


# --- the academic-year rollover -------------------------------------------------------------------
@router.post(
    ORG + "/academic-years/{from_year}:roll-over",
    summary="Move classes up a grade into the next year; the 11th grade graduates",
)
async def roll_over_year(org_id: str, from_year: str, backends: BackendsDep) -> RolloverOut:
    """`from_year` is written with a hyphen in the path: "2026-2027" for "2026/2027"."""
    request = pb.RollOverYearRequest(organisation_id=org_id, from_academic_year=from_year.replace("-", "/"))
    reply = await backends.directory.RollOverYear(request)
    return RolloverOut(
        classes_created=reply.classes_created,
        students_moved=reply.students_moved,
        students_graduated=reply.students_graduated,
    )
