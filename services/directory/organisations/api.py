"""The directory's gRPC service `parta.directory.v1.Organisations`: applications (R-ORG-2), the
organisation's details (R-ORG-3, R-ORG-4) and its structure (R-ORG-6). Thin: read the request, ask the
domain, shape the reply. No rules here."""

from __future__ import annotations

from typing import Any, TypeAlias

from sqlalchemy import Row

from parta.directory.v1 import directory_pb2 as pb
from parta.directory.v1 import organisations_pb2, organisations_pb2_grpc
from services.common.auth import current_principal
from services.common.convert import id_text, ordered_roles, role_value, to_timestamp
from services.directory.organisations.applications import ApplicationForm, Applications
from services.directory.organisations.details import Organisations
from services.directory.organisations.parts import CLASS_KINDS, KINDS, MyOrganisation
from services.directory.organisations.structure import Structure

Context: TypeAlias = Any  # grpc.aio.ServicerContext (grpcio ships no type hints)

SERVICE_NAME = "parta.directory.v1.Organisations"
APPLICATION_STATUSES = ("pending", "approved", "rejected")


def _kind_name(kind: int) -> str:
    return KINDS[kind - 1] if 1 <= kind <= len(KINDS) else ""


def application_message(row: Row[Any]) -> organisations_pb2.Application:
    return organisations_pb2.Application(
        id=str(row.id),
        kind=KINDS.index(row.kind) + 1,  # type: ignore[arg-type]
        name=row.name,
        region=row.region,
        address=row.address,
        tax_id=row.tax_id,
        admin_full_name=row.admin_full_name,
        admin_email=row.admin_email,
        admin_phone=row.admin_phone,
        document_name=row.document_name,
        status=APPLICATION_STATUSES.index(row.status) + 1,  # type: ignore[arg-type]
        reason=row.reason,
        organisation_id=id_text(row.organisation_id),
        created_at=to_timestamp(row.created_at),
        decided_at=to_timestamp(row.decided_at),
    )


def organisation_message(mine: MyOrganisation) -> pb.Organisation:
    row = mine.organisation
    return pb.Organisation(
        id=str(row.id),
        kind=KINDS.index(row.kind) + 1,  # type: ignore[arg-type]
        name=row.name,
        region=row.region,
        address=row.address,
        tax_id=row.tax_id,
        time_zone=row.time_zone,
        journal_url=row.journal_url,
        # The join code lets people ask to join (R-INV-3): staff hand it out, so staff see it.
        join_code=row.join_code if "administrator" in mine.roles else "",
        my_roles=[role_value(role) for role in ordered_roles(mine.roles)],
        created_at=to_timestamp(row.created_at),
    )


def class_message(row: Row[Any]) -> pb.Class:
    return pb.Class(
        id=str(row.id),
        organisation_id=str(row.organisation_id),
        unit_id=id_text(row.unit_id),
        name=row.name,
        kind=CLASS_KINDS.index(row.kind) + 1,  # type: ignore[arg-type]
        academic_year=row.academic_year if row.academic_year != "*" else "",
        grade=row.grade or 0,
        # Only the listing joins these in (R-ROLE-4, R-ROLE-5, R-ROLE-6); other replies leave them empty.
        class_teacher_id=id_text(row._mapping.get("class_teacher_id")),
        student_count=row._mapping.get("student_count") or 0,
        parent_count=row._mapping.get("parent_count") or 0,
    )


class OrganisationsApi(organisations_pb2_grpc.OrganisationsServicer):
    def __init__(
        self, applications: Applications, organisations: Organisations, structure: Structure
    ) -> None:
        self._applications = applications
        self._organisations = organisations
        self._structure = structure

    async def SubmitApplication(
        self, request: organisations_pb2.SubmitApplicationRequest, context: Context
    ) -> organisations_pb2.Application:
        form = ApplicationForm(
            kind=_kind_name(request.kind),
            name=request.name,
            region=request.region,
            address=request.address,
            tax_id=request.tax_id,
            admin_full_name=request.admin_full_name,
            admin_email=request.admin_email,
            admin_phone=request.admin_phone,
            document_name=request.appointing_order.file_name,
            document_type=request.appointing_order.content_type,
            document=request.appointing_order.content,
        )
        return application_message(await self._applications.submit(current_principal(), form))

    async def ListApplications(
        self, request: organisations_pb2.ListApplicationsRequest, context: Context
    ) -> organisations_pb2.ListApplicationsResponse:
        status = APPLICATION_STATUSES[request.status - 1] if request.status else None
        rows = await self._applications.list(current_principal(), status)
        return organisations_pb2.ListApplicationsResponse(applications=[application_message(r) for r in rows])

    async def GetApplication(
        self, request: organisations_pb2.GetApplicationRequest, context: Context
    ) -> organisations_pb2.Application:
        return application_message(await self._applications.get(current_principal(), request.application_id))

    async def GetApplicationDocument(
        self, request: organisations_pb2.GetApplicationRequest, context: Context
    ) -> organisations_pb2.Document:
        row = await self._applications.document(current_principal(), request.application_id)
        return organisations_pb2.Document(
            file_name=row.document_name, content_type=row.document_type, content=row.document
        )

    async def ApproveApplication(
        self, request: organisations_pb2.ApproveApplicationRequest, context: Context
    ) -> organisations_pb2.Application:
        return application_message(
            await self._applications.approve(current_principal(), request.application_id)
        )

    async def RejectApplication(
        self, request: organisations_pb2.RejectApplicationRequest, context: Context
    ) -> organisations_pb2.Application:
        row = await self._applications.reject(current_principal(), request.application_id, request.reason)
        return application_message(row)

    async def ListMyOrganisations(
        self, request: organisations_pb2.ListMyOrganisationsRequest, context: Context
    ) -> organisations_pb2.ListMyOrganisationsResponse:
        mine = await self._organisations.mine(current_principal())
        return organisations_pb2.ListMyOrganisationsResponse(
            organisations=[organisation_message(m) for m in mine]
        )

    async def CheckOperator(
        self, request: organisations_pb2.CheckOperatorRequest, context: Context
    ) -> organisations_pb2.OperatorStatus:
        return organisations_pb2.OperatorStatus(
            operator=await self._organisations.is_operator(current_principal())
        )

    async def GetOrganisation(
        self, request: organisations_pb2.GetOrganisationRequest, context: Context
    ) -> pb.Organisation:
        return organisation_message(
            await self._organisations.get(current_principal(), request.organisation_id)
        )

    async def UpdateOrganisation(
        self, request: organisations_pb2.UpdateOrganisationRequest, context: Context
    ) -> pb.Organisation:
        changes = {
            name: getattr(request, name) if request.HasField(name) else None
            for name in ("name", "address", "time_zone", "journal_url")
        }
        mine = await self._organisations.update(current_principal(), request.organisation_id, changes)
        return organisation_message(mine)

    async def CreateUnit(
        self, request: organisations_pb2.CreateUnitRequest, context: Context
    ) -> organisations_pb2.Unit:
        row = await self._structure.create_unit(current_principal(), request.organisation_id, request.name)
        return organisations_pb2.Unit(id=str(row.id), organisation_id=str(row.organisation_id), name=row.name)

    async def ListUnits(
        self, request: organisations_pb2.ListUnitsRequest, context: Context
    ) -> organisations_pb2.ListUnitsResponse:
        rows = await self._structure.units(current_principal(), request.organisation_id)
        return organisations_pb2.ListUnitsResponse(
            units=[
                organisations_pb2.Unit(id=str(r.id), organisation_id=str(r.organisation_id), name=r.name)
                for r in rows
            ]
        )

    async def CreateClass(self, request: organisations_pb2.CreateClassRequest, context: Context) -> pb.Class:
        row = await self._structure.create_class(
            current_principal(),
            request.organisation_id,
            request.name,
            unit_id=request.unit_id,
            academic_year=request.academic_year,
        )
        return class_message(row)

    async def ListClasses(
        self, request: organisations_pb2.ListClassesRequest, context: Context
    ) -> organisations_pb2.ListClassesResponse:
        rows = await self._structure.classes(
            current_principal(), request.organisation_id, request.academic_year
        )
        return organisations_pb2.ListClassesResponse(classes=[class_message(r) for r in rows])
