"""The administrator verifies staff status (R-ROLE-2): /api/v1/orgs/{org}/verifications and
/api/v1/verifications/{id}:verify|:reject, answered by identity (which keeps the records).
The routes with their request and response bodies."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field

from parta.identity.v1 import identity_pb2 as pb
from services.common.convert import role_name
from services.gateway.deps import BackendsDep
from services.gateway.http.common_models import RoleVerification
from services.gateway.views import timestamp

router = APIRouter(tags=["verification"])
STATUSES = ("pending", "verified", "rejected")


class StaffVerification(RoleVerification):
    user_id: str


class StaffVerifications(BaseModel):
    verifications: list[StaffVerification]


class VerificationRejection(BaseModel):
    reason: str = Field(min_length=1, max_length=1000)


def verification_out(v: pb.RoleVerification) -> StaffVerification:
    return StaffVerification.model_validate(
        {
            "id": v.id,
            "user_id": v.user_id,
            "organisation_id": v.organisation_id,
            "role": role_name(v.role),
            "status": STATUSES[v.status - 1],
            "decided_at": timestamp(v.decided_at),
            "reason": v.reason,
        }
    )


@router.get(
    "/api/v1/orgs/{org_id}/verifications", summary="Staff awaiting or given verification (administrator)"
)
async def list_verifications(org_id: str, backends: BackendsDep, status: str = "") -> StaffVerifications:
    if status and status not in STATUSES:
        raise HTTPException(400, "status: pending, verified или rejected")
    request = pb.ListRoleVerificationsRequest(
        organisation_id=org_id,
        status=STATUSES.index(status) + 1 if status else 0,  # type: ignore[arg-type]
    )
    reply = await backends.identity.ListRoleVerifications(request)
    return StaffVerifications(verifications=[verification_out(v) for v in reply.verifications])


@router.post("/api/v1/verifications/{verification_id}:verify", summary="Verify a teacher or educator (badge)")
async def verify(verification_id: str, backends: BackendsDep) -> StaffVerification:
    reply = await backends.identity.DecideRoleVerification(
        pb.DecideRoleVerificationRequest(verification_id=verification_id, verified=True)
    )
    return verification_out(reply)


@router.post("/api/v1/verifications/{verification_id}:reject", summary="Refuse a verification, with a reason")
async def reject(
    verification_id: str, body: VerificationRejection, backends: BackendsDep
) -> StaffVerification:
    reply = await backends.identity.DecideRoleVerification(
        pb.DecideRoleVerificationRequest(verification_id=verification_id, verified=False, reason=body.reason)
    )
    return verification_out(reply)
