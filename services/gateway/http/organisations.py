"""An organisation as its members see it: /api/v1/orgs (R-ORG-1, R-ORG-3, R-ORG-4, R-ORG-6).
The routes with their request and response bodies."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from parta.directory.v1 import membership_pb2, organisations_pb2
from parta.identity.v1 import identity_pb2 as ipb
from services.common.convert import role_name
from services.gateway.deps import BackendsDep
from services.gateway.http.common_models import (
    ClassOut,
    MemberOut,
    OrganisationOut,
    class_out,
    organisation_out,
)
from services.gateway.views import timestamp


class Organisations(BaseModel):
    organisations: list[OrganisationOut]


class OrganisationUpdate(BaseModel):
    name: str | None = Field(default=None, max_length=300)
    address: str | None = Field(default=None, max_length=300)
    time_zone: str | None = Field(default=None, max_length=64, examples=["Asia/Yekaterinburg"])
    journal_url: str | None = Field(default=None, max_length=500)


class UnitIn(BaseModel):
    name: str = Field(max_length=100)


class UnitOut(BaseModel):
    id: str
    name: str


class Units(BaseModel):
    units: list[UnitOut]


class ClassIn(BaseModel):
    name: str = Field(max_length=64, examples=["5А"])
    unit_id: str = ""
    academic_year: str = Field(default="", examples=["2026/2027"])


class Classes(BaseModel):
    classes: list[ClassOut]


class Members(BaseModel):
    members: list[MemberOut]


class PersonOut(BaseModel):
    user_id: str
    # '' when the person never gave a name.
    name: str
    avatar_url: str
    # The name with who a parent is to their children here: «Ольга Смирнова, мама Миши Смирнова».
    label: str = ""


class People(BaseModel):
    """Names of fellow members; ids of people outside the organisation are simply left out."""

    people: list[PersonOut]


router = APIRouter(prefix="/api/v1/orgs", tags=["organisations"])


@router.get("", summary="My organisations (where an approved administrator becomes one, R-ORG-3)")
async def my_organisations(backends: BackendsDep) -> Organisations:
    reply = await backends.organisations.ListMyOrganisations(organisations_pb2.ListMyOrganisationsRequest())
    return Organisations(organisations=[organisation_out(o) for o in reply.organisations])


@router.get("/{org_id}", summary="An organisation's details (its members only, R-ORG-1)")
async def get_organisation(org_id: str, backends: BackendsDep) -> OrganisationOut:
    reply = await backends.organisations.GetOrganisation(
        organisations_pb2.GetOrganisationRequest(organisation_id=org_id)
    )
    return organisation_out(reply)


@router.patch("/{org_id}", summary="Edit the details (the administrator, R-ORG-4)")
async def update_organisation(
    org_id: str, body: OrganisationUpdate, backends: BackendsDep
) -> OrganisationOut:
    request = organisations_pb2.UpdateOrganisationRequest(
        organisation_id=org_id, **body.model_dump(exclude_none=True)
    )
    reply = await backends.organisations.UpdateOrganisation(request)
    return organisation_out(reply)


@router.post("/{org_id}/units", status_code=201, summary="Add a unit (the administrator)")
async def create_unit(org_id: str, body: UnitIn, backends: BackendsDep) -> UnitOut:
    reply = await backends.organisations.CreateUnit(
        organisations_pb2.CreateUnitRequest(organisation_id=org_id, name=body.name)
    )
    return UnitOut(id=reply.id, name=reply.name)


@router.get("/{org_id}/units", summary="Units")
async def list_units(org_id: str, backends: BackendsDep) -> Units:
    reply = await backends.organisations.ListUnits(organisations_pb2.ListUnitsRequest(organisation_id=org_id))
    return Units(units=[UnitOut(id=u.id, name=u.name) for u in reply.units])


@router.post("/{org_id}/classes", status_code=201, summary="Add a class by the nomenclature (R-ORG-6)")
async def create_class(org_id: str, body: ClassIn, backends: BackendsDep) -> ClassOut:
    reply = await backends.organisations.CreateClass(
        organisations_pb2.CreateClassRequest(
            organisation_id=org_id, name=body.name, unit_id=body.unit_id, academic_year=body.academic_year
        )
    )
    return class_out(reply)


@router.get("/{org_id}/classes", summary="Classes of an academic year, and the staff room")
async def list_classes(org_id: str, backends: BackendsDep, academic_year: str = "") -> Classes:
    reply = await backends.organisations.ListClasses(
        organisations_pb2.ListClassesRequest(organisation_id=org_id, academic_year=academic_year)
    )
    return Classes(classes=[class_out(c) for c in reply.classes])


@router.get("/{org_id}/people", summary="Names of fellow members, by id (members only, R-PRIV-1)")
async def people(
    org_id: str, backends: BackendsDep, user_id: Annotated[list[str], Query(max_length=200)]
) -> People:
    reply = await backends.identity.GetProfiles(
        ipb.GetProfilesRequest(organisation_id=org_id, user_ids=user_id)
    )
    return People(
        people=[
            PersonOut(user_id=p.user_id, name=p.name, avatar_url=p.avatar_url, label=p.label or p.name)
            for p in reply.profiles
        ]
    )


@router.get("/{org_id}/members", summary="Members with their roles (staff only, R-PRIV-1)")
async def list_members(org_id: str, backends: BackendsDep) -> Members:
    reply = await backends.members.ListMembers(membership_pb2.ListMembersRequest(organisation_id=org_id))
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
