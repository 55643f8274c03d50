"""Support requests to the organisation's administrator or to the operator:
/api/v1/orgs/{org}/support-requests and /api/v1/support-requests (R-PRIV-4).
The routes with their request and response bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from parta.directory.v1 import support_pb2
from services.gateway.deps import BackendsDep
from services.gateway.http.common_models import (
    enum_value,
)
from services.gateway.views import timestamp

Addressee = Literal["administrator", "operator"]
SupportStatus = Literal["open", "in_progress", "resolved"]


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


router = APIRouter(tags=["people"])
ORG = "/api/v1/orgs/{org_id}"
ADDRESSEES = ("administrator", "operator")
SUPPORT_STATUSES = ("open", "in_progress", "resolved")


def support_request_out(reply: support_pb2.SupportRequest) -> SupportRequestOut:
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


@router.post(
    ORG + "/support-requests", status_code=201, summary="Ask the administrator or the operator for help"
)
async def create_support_request(
    org_id: str, body: SupportRequestIn, backends: BackendsDep
) -> SupportRequestOut:
    request = support_pb2.CreateSupportRequestRequest(
        organisation_id=org_id,
        addressee=ADDRESSEES.index(body.addressee) + 1,  # type: ignore[arg-type]
        subject=body.subject,
        text=body.text,
    )
    reply = await backends.support.CreateSupportRequest(request)
    return support_request_out(reply)


@router.get(ORG + "/support-requests", summary="Support requests: mine, and those addressed to me")
async def list_support_requests(
    org_id: str, backends: BackendsDep, addressee: str = "", status: str = ""
) -> SupportRequests:
    request = support_pb2.ListSupportRequestsRequest(
        organisation_id=org_id,
        addressee=enum_value(ADDRESSEES, addressee, "addressee"),
        status=enum_value(SUPPORT_STATUSES, status, "status"),
    )
    reply = await backends.support.ListSupportRequests(request)
    return SupportRequests(requests=[support_request_out(r) for r in reply.requests])


@router.get(
    "/api/v1/support-requests", summary="Every organisation's requests to the operator (operator staff)"
)
async def operator_support_requests(backends: BackendsDep, status: str = "") -> SupportRequests:
    request = support_pb2.ListSupportRequestsRequest(
        addressee=support_pb2.SupportRequest.ADDRESSEE_OPERATOR,
        status=enum_value(SUPPORT_STATUSES, status, "status"),
    )
    reply = await backends.support.ListSupportRequests(request)
    return SupportRequests(requests=[support_request_out(r) for r in reply.requests])


@router.patch("/api/v1/support-requests/{request_id}", summary="Status and answer (the addressee)")
async def update_support_request(
    request_id: str, body: SupportRequestUpdate, backends: BackendsDep
) -> SupportRequestOut:
    request = support_pb2.UpdateSupportRequestRequest(
        request_id=request_id,
        status=SUPPORT_STATUSES.index(body.status) + 1 if body.status else 0,  # type: ignore[arg-type]
        answer=body.answer or "",
    )
    reply = await backends.support.UpdateSupportRequest(request)
    return support_request_out(reply)
