"""Parent links: a parent linked to their child by staff, and the links listed:
/api/v1/orgs/{org}/parents (R-ROLE-6).
The routes with their request and response bodies."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from parta.directory.v1 import membership_pb2
from services.gateway.deps import BackendsDep
from services.gateway.views import timestamp


class ParentLinkIn(BaseModel):
    parent_id: str = Field(max_length=64)
    child_id: str = Field(max_length=64)


class ParentLinkOut(BaseModel):
    parent_id: str
    child_id: str
    created_at: datetime | None


class ParentLinks(BaseModel):
    links: list[ParentLinkOut]


router = APIRouter(tags=["joining"])
ORGS = "/api/v1/orgs/{org_id}"


def parent_link_out(reply: membership_pb2.ParentLink) -> ParentLinkOut:
    return ParentLinkOut.model_validate(
        {"parent_id": reply.parent_id, "child_id": reply.child_id, "created_at": timestamp(reply.created_at)}
    )


@router.post(
    ORGS + "/parents",
    status_code=201,
    summary="Link a parent to their child (the administrator or the child's class teacher, R-ROLE-6)",
)
async def link_parent(org_id: str, body: ParentLinkIn, backends: BackendsDep) -> ParentLinkOut:
    reply = await backends.members.LinkParent(
        membership_pb2.LinkParentRequest(
            organisation_id=org_id, parent_id=body.parent_id, child_id=body.child_id
        )
    )
    return parent_link_out(reply)


@router.get(ORGS + "/parents", summary="Parent links (staff; a parent, their own children)")
async def list_parent_links(
    org_id: str, backends: BackendsDep, child_id: str = "", parent_id: str = ""
) -> ParentLinks:
    reply = await backends.members.ListParentLinks(
        membership_pb2.ListParentLinksRequest(organisation_id=org_id, child_id=child_id, parent_id=parent_id)
    )
    return ParentLinks(links=[parent_link_out(link) for link in reply.links])
