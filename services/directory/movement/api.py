"""The directory's gRPC service `parta.directory.v1.Movements`: transfers and leaving with history
(R-MOVE-1, R-MOVE-2) and the academic-year rollover. Thin: read the request, ask the domain, shape the
reply. No rules here."""

from __future__ import annotations

from typing import Any, TypeAlias

from sqlalchemy import Row

from parta.directory.v1 import movement_pb2, movement_pb2_grpc
from services.common.auth import current_principal
from services.common.convert import id_text, to_timestamp
from services.directory.movement.moves import Movements
from services.directory.movement.rollover import Rollover

Context: TypeAlias = Any  # grpc.aio.ServicerContext (grpcio ships no type hints)

SERVICE_NAME = "parta.directory.v1.Movements"
MOVEMENT_KINDS = ("transfer", "student_left", "staff_left")


def movement_message(row: Row[Any]) -> movement_pb2.Movement:
    return movement_pb2.Movement(
        id=str(row.id),
        organisation_id=str(row.organisation_id),
        user_id=str(row.user_id),
        kind=MOVEMENT_KINDS.index(row.kind) + 1,  # type: ignore[arg-type]
        from_class_id=id_text(row.from_class_id),
        to_class_id=id_text(row.to_class_id),
        reason=row.reason,
        recorded_by=id_text(row.recorded_by),
        recorded_at=to_timestamp(row.recorded_at),
    )


class MovementApi(movement_pb2_grpc.MovementsServicer):
    def __init__(self, movements: Movements, rollover: Rollover) -> None:
        self._movements = movements
        self._rollover = rollover

    # --- movement (R-MOVE-1, R-MOVE-2) ----------------------------------------------------
    async def TransferStudent(
        self, request: movement_pb2.TransferStudentRequest, context: Context
    ) -> movement_pb2.Movement:
        row = await self._movements.transfer(
            current_principal(), request.organisation_id, request.user_id, request.to_class_id, request.reason
        )
        return movement_message(row)

    async def RecordLeave(
        self, request: movement_pb2.RecordLeaveRequest, context: Context
    ) -> movement_pb2.Movement:
        row = await self._movements.leave(
            current_principal(), request.organisation_id, request.user_id, request.reason
        )
        return movement_message(row)

    async def ListMovements(
        self, request: movement_pb2.ListMovementsRequest, context: Context
    ) -> movement_pb2.ListMovementsResponse:
        rows = await self._movements.list(current_principal(), request.organisation_id, request.user_id)
        return movement_pb2.ListMovementsResponse(movements=[movement_message(r) for r in rows])

    # --- the academic-year rollover -------------------------------------------------------
    async def RollOverYear(
        self, request: movement_pb2.RollOverYearRequest, context: Context
    ) -> movement_pb2.RollOverYearResponse:
        result = await self._rollover.roll_over(
            current_principal(), request.organisation_id, request.from_academic_year
        )
        return movement_pb2.RollOverYearResponse(
            classes_created=result.classes_created,
            students_moved=result.students_moved,
            students_graduated=result.students_graduated,
        )
