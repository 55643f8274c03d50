"""gRPC methods of people's paths: join requests, movement, support, rollover.

Thin: read the request, ask the domain object (`self._domains`), shape the reply. No rules here."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeAlias

from google.protobuf.timestamp_pb2 import Timestamp
from sqlalchemy import Row

from parta.directory.v1 import directory_pb2 as pb
from services.common.auth import current_principal
from services.directory import join_requests, support
from services.directory.domains import DirectoryDomains
from services.directory.join_requests import JoinRequestForm
from services.directory.kinship import ParentClaim, parse_claim
from services.directory.membership_events import role_name, role_value

Context: TypeAlias = Any  # grpc.aio.ServicerContext (grpcio ships no type hints)
MOVEMENT_KINDS = ("transfer", "student_left", "staff_left")


def _ts(value: datetime | None) -> Timestamp | None:
    if value is None:
        return None
    stamp = Timestamp()
    stamp.FromDatetime(value)
    return stamp


def _id(value: object) -> str:
    return str(value) if value is not None else ""


def _enum_name(names: tuple[str, ...], value: int) -> str | None:
    """An enum's value (1-based, 0 = unspecified) as its name, None when unspecified."""
    return names[value - 1] if 1 <= value <= len(names) else None


def _role(value: int) -> str:
    """A requested role's name; empty for a value the contract does not know (refused later)."""
    try:
        return role_name(value)
    except ValueError:
        return ""


def join_request_message(row: Row[Any]) -> pb.JoinRequest:
    return pb.JoinRequest(
        id=str(row.id),
        organisation_id=str(row.organisation_id),
        user_id=str(row.user_id),
        role=role_value(row.role),
        class_id=_id(row.class_id),
        message=row.message,
        status=join_requests.STATUSES.index(row.status) + 1,  # type: ignore[arg-type]
        reason=row.reason,
        decided_by=_id(row.decided_by),
        created_at=_ts(row.created_at),
        decided_at=_ts(row.decided_at),
        requester_name=row.requester_name,
        parent=pb.ParentClaim(
            child_id=_id(row.child_id),
            child_first_name=row.child_first_name,
            child_last_name=row.child_last_name,
            relation=row.relation,
        ),
    )


def claim_from(message: pb.ParentClaim) -> ParentClaim | None:
    """A parent's claim from a request (R-ROLE-6); None when nothing was said."""
    return parse_claim(message.child_id, message.child_first_name, message.child_last_name, message.relation)


def movement_message(row: Row[Any]) -> pb.Movement:
    return pb.Movement(
        id=str(row.id),
        organisation_id=str(row.organisation_id),
        user_id=str(row.user_id),
        kind=MOVEMENT_KINDS.index(row.kind) + 1,  # type: ignore[arg-type]
        from_class_id=_id(row.from_class_id),
        to_class_id=_id(row.to_class_id),
        reason=row.reason,
        recorded_by=_id(row.recorded_by),
        recorded_at=_ts(row.recorded_at),
    )


def support_request_message(row: Row[Any]) -> pb.SupportRequest:
    return pb.SupportRequest(
        id=str(row.id),
        organisation_id=str(row.organisation_id),
        author_id=str(row.author_id),
        addressee=support.ADDRESSEES.index(row.addressee) + 1,  # type: ignore[arg-type]
        subject=row.subject,
        text=row.text,
        status=support.STATUSES.index(row.status) + 1,  # type: ignore[arg-type]
        answer=row.answer,
        created_at=_ts(row.created_at),
        updated_at=_ts(row.updated_at),
    )


class PeopleApi:
    _domains: DirectoryDomains

    # --- join requests (R-INV-3) ----------------------------------------------------------
    async def CreateJoinRequest(
        self, request: pb.CreateJoinRequestRequest, context: Context
    ) -> pb.JoinRequest:
        form = JoinRequestForm(
            join_code=request.join_code,
            role=_role(request.role),
            class_id=request.class_id,
            message=request.message,
            requester_name=request.requester_name,
            claim=claim_from(request.parent),
        )
        return join_request_message(await self._domains.join_requests.create(current_principal(), form))

    async def ListJoinRequests(
        self, request: pb.ListJoinRequestsRequest, context: Context
    ) -> pb.ListJoinRequestsResponse:
        status = _enum_name(join_requests.STATUSES, request.status)
        rows = await self._domains.join_requests.list(current_principal(), request.organisation_id, status)
        return pb.ListJoinRequestsResponse(requests=[join_request_message(r) for r in rows])

    async def DecideJoinRequest(
        self, request: pb.DecideJoinRequestRequest, context: Context
    ) -> pb.JoinRequest:
        row = await self._domains.join_requests.decide(
            current_principal(),
            request.organisation_id,
            request.request_id,
            approve=request.approve,
            reason=request.reason,
        )
        return join_request_message(row)

    # --- movement (R-MOVE-1, R-MOVE-2) ----------------------------------------------------
    async def TransferStudent(self, request: pb.TransferStudentRequest, context: Context) -> pb.Movement:
        row = await self._domains.movements.transfer(
            current_principal(), request.organisation_id, request.user_id, request.to_class_id, request.reason
        )
        return movement_message(row)

    async def RecordLeave(self, request: pb.RecordLeaveRequest, context: Context) -> pb.Movement:
        row = await self._domains.movements.leave(
            current_principal(), request.organisation_id, request.user_id, request.reason
        )
        return movement_message(row)

    async def ListMovements(
        self, request: pb.ListMovementsRequest, context: Context
    ) -> pb.ListMovementsResponse:
        rows = await self._domains.movements.list(
            current_principal(), request.organisation_id, request.user_id
        )
        return pb.ListMovementsResponse(movements=[movement_message(r) for r in rows])

    # --- support requests (R-PRIV-4) ------------------------------------------------------
    async def CreateSupportRequest(
        self, request: pb.CreateSupportRequestRequest, context: Context
    ) -> pb.SupportRequest:
        row = await self._domains.support.create(
            current_principal(),
            request.organisation_id,
            _enum_name(support.ADDRESSEES, request.addressee) or "",
            request.subject,
            request.text,
        )
        return support_request_message(row)

    async def ListSupportRequests(
        self, request: pb.ListSupportRequestsRequest, context: Context
    ) -> pb.ListSupportRequestsResponse:
        rows = await self._domains.support.list(
            current_principal(),
            request.organisation_id,
            _enum_name(support.ADDRESSEES, request.addressee),
            _enum_name(support.STATUSES, request.status),
        )
        return pb.ListSupportRequestsResponse(requests=[support_request_message(r) for r in rows])

    async def UpdateSupportRequest(
        self, request: pb.UpdateSupportRequestRequest, context: Context
    ) -> pb.SupportRequest:
        row = await self._domains.support.update(
            current_principal(),
            request.request_id,
            _enum_name(support.STATUSES, request.status),
            request.answer or None,
        )
        return support_request_message(row)

    # --- the academic-year rollover -------------------------------------------------------
    async def RollOverYear(
        self, request: pb.RollOverYearRequest, context: Context
    ) -> pb.RollOverYearResponse:
        result = await self._domains.rollover.roll_over(
            current_principal(), request.organisation_id, request.from_academic_year
        )
        return pb.RollOverYearResponse(
            classes_created=result.classes_created,
            students_moved=result.students_moved,
            students_graduated=result.students_graduated,
        )
