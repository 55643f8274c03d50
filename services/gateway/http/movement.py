"""Movement of people: a student transferred to another class, a student or staff member
leaving, and the history: /api/v1/orgs/{org}/movements (R-MOVE-1, R-MOVE-2).
The routes with their request and response bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from parta.directory.v1 import movement_pb2
from services.gateway.deps import BackendsDep
from services.gateway.views import timestamp

MovementKind = Literal["transfer", "student_left", "staff_left"]


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


router = APIRouter(tags=["people"])
ORG = "/api/v1/orgs/{org_id}"
MOVEMENT_KINDS = ("transfer", "student_left", "staff_left")


def movement_out(reply: movement_pb2.Movement) -> MovementOut:
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


@router.post(ORG + "/movements:transfer", summary="Transfer a student to another class (R-MOVE-1)")
async def transfer_student(org_id: str, body: TransferIn, backends: BackendsDep) -> MovementOut:
    request = movement_pb2.TransferStudentRequest(
        organisation_id=org_id, user_id=body.user_id, to_class_id=body.to_class_id, reason=body.reason
    )
    reply = await backends.movements.TransferStudent(request)
    return movement_out(reply)


@router.post(ORG + "/movements:leave", summary="A student or staff member leaves (R-MOVE-1, R-MOVE-2)")
async def record_leave(org_id: str, body: LeaveIn, backends: BackendsDep) -> MovementOut:
    request = movement_pb2.RecordLeaveRequest(
        organisation_id=org_id, user_id=body.user_id, reason=body.reason
    )
    reply = await backends.movements.RecordLeave(request)
    return movement_out(reply)


@router.get(ORG + "/movements", summary="Movement history (the administrator and the head, R-MOVE-1)")
async def list_movements(org_id: str, backends: BackendsDep, user_id: str = "") -> Movements:
    request = movement_pb2.ListMovementsRequest(organisation_id=org_id, user_id=user_id)
    reply = await backends.movements.ListMovements(request)
    return Movements(movements=[movement_out(m) for m in reply.movements])
