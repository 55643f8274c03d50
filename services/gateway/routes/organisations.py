"""An organisation as its members see it: /api/v1/orgs (R-ORG-1, R-ORG-3, R-ORG-4, R-ORG-6)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from parta.directory.v1 import directory_pb2 as pb
from parta.identity.v1 import identity_pb2 as ipb
from services.common.convert import role_name
from services.gateway.deps import RpcDep, timestamp
from services.gateway.directory_models import (
    ORGANISATION_KINDS,
    Classes,
    ClassIn,
    ClassOut,
    MemberOut,
    Members,
    OrganisationOut,
    Organisations,
    OrganisationUpdate,
    People,
    PersonOut,
    UnitIn,
    UnitOut,
    Units,
)

router = APIRouter(prefix="/api/v1/orgs", tags=["organisations"])
CLASS_KINDS = ("class", "group", "association", "staff_room")


def organisation_out(reply: pb.Organisation) -> OrganisationOut:
    return OrganisationOut.model_validate(
        {
            "id": reply.id,
            "kind": ORGANISATION_KINDS[reply.kind - 1],
            "name": reply.name,
            "region": reply.region,
            "address": reply.address,
            "tax_id": reply.tax_id,
            "time_zone": reply.time_zone,
            "journal_url": reply.journal_url,
            "join_code": reply.join_code or None,
            "my_roles": [role_name(r) for r in reply.my_roles],
            "created_at": timestamp(reply.created_at),
        }
    )


def class_out(reply: pb.Class) -> ClassOut:
    return ClassOut(
        id=reply.id,
        name=reply.name,
        kind=CLASS_KINDS[reply.kind - 1],
        academic_year=reply.academic_year or None,
        grade=reply.grade or None,
        unit_id=reply.unit_id or None,
        class_teacher_id=reply.class_teacher_id or None,
        student_count=reply.student_count,
        parent_count=reply.parent_count,
    )


@router.get("", summary="My organisations (where an approved administrator becomes one, R-ORG-3)")
async def my_organisations(rpc: RpcDep) -> Organisations:
    reply = await rpc.clients.directory.ListMyOrganisations(
        pb.ListMyOrganisationsRequest(), metadata=rpc.metadata, timeout=rpc.timeout
    )
    return Organisations(organisations=[organisation_out(o) for o in reply.organisations])


@router.get("/{org_id}", summary="An organisation's details (its members only, R-ORG-1)")
async def get_organisation(org_id: str, rpc: RpcDep) -> OrganisationOut:
    reply = await rpc.clients.directory.GetOrganisation(
        pb.GetOrganisationRequest(organisation_id=org_id), metadata=rpc.metadata, timeout=rpc.timeout
    )
    return organisation_out(reply)


@router.patch("/{org_id}", summary="Edit the details (the administrator, R-ORG-4)")
async def update_organisation(org_id: str, body: OrganisationUpdate, rpc: RpcDep) -> OrganisationOut:
    request = pb.UpdateOrganisationRequest(organisation_id=org_id, **body.model_dump(exclude_none=True))
    reply = await rpc.clients.directory.UpdateOrganisation(
        request, metadata=rpc.metadata, timeout=rpc.timeout
    )
    return organisation_out(reply)


@router.post("/{org_id}/units", status_code=201, summary="Add a unit (the administrator)")
async def create_unit(org_id: str, body: UnitIn, rpc: RpcDep) -> UnitOut:
    reply = await rpc.clients.directory.CreateUnit(
        pb.CreateUnitRequest(organisation_id=org_id, name=body.name),
        metadata=rpc.metadata,
        timeout=rpc.timeout,
    )
    return UnitOut(id=reply.id, name=reply.name)


@router.get("/{org_id}/units", summary="Units")
async def list_units(org_id: str, rpc: RpcDep) -> Units:
    reply = await rpc.clients.directory.ListUnits(
        pb.ListUnitsRequest(organisation_id=org_id), metadata=rpc.metadata, timeout=rpc.timeout
    )
    return Units(units=[UnitOut(id=u.id, name=u.name) for u in reply.units])


@router.post("/{org_id}/classes", status_code=201, summary="Add a class by the nomenclature (R-ORG-6)")
async def create_class(org_id: str, body: ClassIn, rpc: RpcDep) -> ClassOut:
    reply = await rpc.clients.directory.CreateClass(
        pb.CreateClassRequest(
            organisation_id=org_id, name=body.name, unit_id=body.unit_id, academic_year=body.academic_year
        ),
        metadata=rpc.metadata,
        timeout=rpc.timeout,
    )
    return class_out(reply)


@router.get("/{org_id}/classes", summary="Classes of an academic year, and the staff room")
async def list_classes(org_id: str, rpc: RpcDep, academic_year: str = "") -> Classes:
    reply = await rpc.clients.directory.ListClasses(
        pb.ListClassesRequest(organisation_id=org_id, academic_year=academic_year),
        metadata=rpc.metadata,
        timeout=rpc.timeout,
    )
    return Classes(classes=[class_out(c) for c in reply.classes])


@router.get("/{org_id}/people", summary="Names of fellow members, by id (members only, R-PRIV-1)")
async def people(org_id: str, rpc: RpcDep, user_id: Annotated[list[str], Query(max_length=200)]) -> People:
    reply = await rpc.clients.identity.GetProfiles(
        ipb.GetProfilesRequest(organisation_id=org_id, user_ids=user_id),
        metadata=rpc.metadata,
        timeout=rpc.timeout,
    )
    return People(
        people=[
            PersonOut(user_id=p.user_id, name=p.name, avatar_url=p.avatar_url, label=p.label or p.name)
            for p in reply.profiles
        ]
    )


@router.get("/{org_id}/members", summary="Members with their roles (staff only, R-PRIV-1)")
async def list_members(org_id: str, rpc: RpcDep) -> Members:
    reply = await rpc.clients.directory.ListMembers(
        pb.ListMembersRequest(organisation_id=org_id), metadata=rpc.metadata, timeout=rpc.timeout
    )
    return Members(
        members=[
            MemberOut.model_validate(
                {
                    "user_id": m.user_id,
                    "roles": [role_name(r) for r in m.roles],
                    "verified_roles": [role_name(r) for r in m.verified_roles],
                    "joined_at": timestamp(m.joined_at),
                }
            )
            for m in reply.members
        ]
    )
