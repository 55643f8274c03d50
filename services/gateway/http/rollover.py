"""The academic-year rollover: classes move up a grade into the next year, the last grade
graduates: /api/v1/orgs/{org}/academic-years/{year}:roll-over.
The routes with their request and response bodies."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from parta.directory.v1 import movement_pb2
from services.gateway.deps import BackendsDep


class RolloverOut(BaseModel):
    classes_created: int
    students_moved: int
    students_graduated: int


router = APIRouter(tags=["people"])
ORG = "/api/v1/orgs/{org_id}"


@router.post(
    ORG + "/academic-years/{from_year}:roll-over",
    summary="Move classes up a grade into the next year; the 11th grade graduates",
)
async def roll_over_year(org_id: str, from_year: str, backends: BackendsDep) -> RolloverOut:
    """`from_year` is written with a hyphen in the path: "2026-2027" for "2026/2027"."""
    request = movement_pb2.RollOverYearRequest(
        organisation_id=org_id, from_academic_year=from_year.replace("-", "/")
    )
    reply = await backends.movements.RollOverYear(request)
    return RolloverOut(
        classes_created=reply.classes_created,
        students_moved=reply.students_moved,
        students_graduated=reply.students_graduated,
    )
