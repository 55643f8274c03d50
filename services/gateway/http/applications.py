"""Organisations apply to join, operator staff decide: /api/v1/applications (R-ORG-2, R-ORG-3).
The routes with their request and response bodies."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Literal

from fastapi import APIRouter, HTTPException, Response
from pydantic import BaseModel, Field

from parta.directory.v1 import organisations_pb2
from services.gateway.deps import BackendsDep
from services.gateway.http.common_models import ORGANISATION_KINDS, OrganisationKind
from services.gateway.views import timestamp


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


router = APIRouter(prefix="/api/v1/applications", tags=["operator"])
STATUSES = ("pending", "approved", "rejected")


def application_out(reply: organisations_pb2.Application) -> ApplicationOut:
    return ApplicationOut.model_validate(
        {
            "id": reply.id,
            "kind": ORGANISATION_KINDS[reply.kind - 1],
            "name": reply.name,
            "region": reply.region,
            "address": reply.address,
            "tax_id": reply.tax_id,
            "admin_full_name": reply.admin_full_name,
            "admin_email": reply.admin_email,
            "admin_phone": reply.admin_phone,
            "document_name": reply.document_name,
            "status": STATUSES[reply.status - 1],
            "reason": reply.reason,
            "organisation_id": reply.organisation_id or None,
            "created_at": timestamp(reply.created_at),
            "decided_at": timestamp(reply.decided_at),
        }
    )


@router.post("", status_code=201, summary="An organisation applies to join (any signed-in person)")
async def submit(body: ApplicationSubmit, backends: BackendsDep) -> ApplicationOut:
    try:
        content = base64.b64decode(body.appointing_order.content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise HTTPException(400, "Файл приказа: некорректный base64") from None
    request = organisations_pb2.SubmitApplicationRequest(
        kind=ORGANISATION_KINDS.index(body.kind) + 1,  # type: ignore[arg-type]
        name=body.name,
        region=body.region,
        address=body.address,
        tax_id=body.tax_id,
        admin_full_name=body.admin_full_name,
        admin_email=body.admin_email,
        admin_phone=body.admin_phone,
        appointing_order=organisations_pb2.Document(
            file_name=body.appointing_order.file_name,
            content_type=body.appointing_order.content_type,
            content=content,
        ),
    )
    return application_out(await backends.organisations.SubmitApplication(request))


@router.get("", summary="Applications (operator staff)")
async def list_applications(backends: BackendsDep, status: str = "") -> Applications:
    if status and status not in STATUSES:
        raise HTTPException(400, "status: pending, approved или rejected")
    request = organisations_pb2.ListApplicationsRequest(status=STATUSES.index(status) + 1 if status else 0)  # type: ignore[arg-type]
    reply = await backends.organisations.ListApplications(request)
    return Applications(applications=[application_out(a) for a in reply.applications])


@router.post("/{application_id}:approve", summary="Approve: the organisation is created and active")
async def approve(application_id: str, backends: BackendsDep) -> ApplicationOut:
    reply = await backends.organisations.ApproveApplication(
        organisations_pb2.ApproveApplicationRequest(application_id=application_id)
    )
    return application_out(reply)


@router.post("/{application_id}:reject", summary="Reject with a reason the applicant sees")
async def reject(application_id: str, body: Rejection, backends: BackendsDep) -> ApplicationOut:
    reply = await backends.organisations.RejectApplication(
        organisations_pb2.RejectApplicationRequest(application_id=application_id, reason=body.reason)
    )
    return application_out(reply)


@router.get("/{application_id}", summary="One application (operator staff, or its applicant)")
async def get_application(application_id: str, backends: BackendsDep) -> ApplicationOut:
    reply = await backends.organisations.GetApplication(
        organisations_pb2.GetApplicationRequest(application_id=application_id)
    )
    return application_out(reply)


@router.get("/{application_id}/document", summary="The appointing order (operator staff)")
async def document(application_id: str, backends: BackendsDep) -> Response:
    reply = await backends.organisations.GetApplicationDocument(
        organisations_pb2.GetApplicationRequest(application_id=application_id)
    )
    return Response(
        content=reply.content,
        media_type=reply.content_type,
        headers={"Content-Disposition": "attachment", "X-Content-Type-Options": "nosniff"},
    )
