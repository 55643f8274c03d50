"""Organisations apply to join, operator staff decide: /api/v1/applications (R-ORG-2, R-ORG-3)."""

from __future__ import annotations

import base64
import binascii

from fastapi import APIRouter, HTTPException, Response

from parta.directory.v1 import directory_pb2 as pb
from services.gateway.deps import RpcDep, timestamp
from services.gateway.directory_models import (
    ORGANISATION_KINDS,
    ApplicationOut,
    Applications,
    ApplicationSubmit,
    Rejection,
)

router = APIRouter(prefix="/api/v1/applications", tags=["operator"])
STATUSES = ("pending", "approved", "rejected")


def application_out(reply: pb.Application) -> ApplicationOut:
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
async def submit(body: ApplicationSubmit, rpc: RpcDep) -> ApplicationOut:
    try:
        content = base64.b64decode(body.appointing_order.content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise HTTPException(400, "Файл приказа: некорректный base64") from None
    request = pb.SubmitApplicationRequest(
        kind=ORGANISATION_KINDS.index(body.kind) + 1,  # type: ignore[arg-type]
        name=body.name,
        region=body.region,
        address=body.address,
        tax_id=body.tax_id,
        admin_full_name=body.admin_full_name,
        admin_email=body.admin_email,
        admin_phone=body.admin_phone,
        appointing_order=pb.Document(
            file_name=body.appointing_order.file_name,
            content_type=body.appointing_order.content_type,
            content=content,
        ),
    )
    return application_out(
        await rpc.clients.directory.SubmitApplication(request, metadata=rpc.metadata, timeout=rpc.timeout)
    )


@router.get("", summary="Applications (operator staff)")
async def list_applications(rpc: RpcDep, status: str = "") -> Applications:
    if status and status not in STATUSES:
        raise HTTPException(400, "status: pending, approved или rejected")
    request = pb.ListApplicationsRequest(status=STATUSES.index(status) + 1 if status else 0)  # type: ignore[arg-type]
    reply = await rpc.clients.directory.ListApplications(request, metadata=rpc.metadata, timeout=rpc.timeout)
    return Applications(applications=[application_out(a) for a in reply.applications])


@router.post("/{application_id}:approve", summary="Approve: the organisation is created and active")
async def approve(application_id: str, rpc: RpcDep) -> ApplicationOut:
    reply = await rpc.clients.directory.ApproveApplication(
        pb.ApproveApplicationRequest(application_id=application_id),
        metadata=rpc.metadata,
        timeout=rpc.timeout,
    )
    return application_out(reply)


@router.post("/{application_id}:reject", summary="Reject with a reason the applicant sees")
async def reject(application_id: str, body: Rejection, rpc: RpcDep) -> ApplicationOut:
    reply = await rpc.clients.directory.RejectApplication(
        pb.RejectApplicationRequest(application_id=application_id, reason=body.reason),
        metadata=rpc.metadata,
        timeout=rpc.timeout,
    )
    return application_out(reply)


@router.get("/{application_id}", summary="One application (operator staff, or its applicant)")
async def get_application(application_id: str, rpc: RpcDep) -> ApplicationOut:
    reply = await rpc.clients.directory.GetApplication(
        pb.GetApplicationRequest(application_id=application_id), metadata=rpc.metadata, timeout=rpc.timeout
    )
    return application_out(reply)


@router.get("/{application_id}/document", summary="The appointing order (operator staff)")
async def document(application_id: str, rpc: RpcDep) -> Response:
    reply = await rpc.clients.directory.GetApplicationDocument(
        pb.GetApplicationRequest(application_id=application_id), metadata=rpc.metadata, timeout=rpc.timeout
    )
    return Response(
        content=reply.content,
        media_type=reply.content_type,
        headers={"Content-Disposition": "attachment", "X-Content-Type-Options": "nosniff"},
    )
