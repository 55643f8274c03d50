"""Weekly usage statistics (R-STAT-1): /api/v1/orgs/{org_id}/statistics for the organisation's
administrator and head, /api/v1/operator/statistics for operator staff; `?format=csv` exports the
same weeks as a table. The messaging service decides who may; these routes only translate.
The routes with their request and response bodies."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from parta.messaging.v1 import statistics_pb2 as pb
from services.common.convert import ROLE_ORDER
from services.gateway.deps import BackendsDep


class RoleWeekOut(BaseModel):
    role: str = Field(description='an organisation role: "administrator", "head", "teacher", ...')
    joined: int = Field(description="people who gained the role during the week")
    total: int = Field(description="people holding the role at the week's end")


class WeekOut(BaseModel):
    """One ISO week, Monday to Sunday in the organisation's time zone."""

    week_start: date = Field(description="the Monday the week starts on")
    members_joined: int
    members_total: int = Field(description="members at the week's end")
    roles: list[RoleWeekOut]
    active_users: int = Field(
        description="distinct people who posted, created or joined a chat, or took a call"
    )
    messages: int
    chats_created: int
    calls: int
    call_minutes: int


class OrganisationStatistics(BaseModel):
    organisation_id: str
    name: str
    time_zone: str
    weeks: list[WeekOut] = Field(description="oldest first, empty weeks included")


class OperatorStatistics(BaseModel):
    totals: list[WeekOut] = Field(description="the sum over organisations, per week")
    organisations: list[OrganisationStatistics]


router = APIRouter(tags=["statistics"])
Weeks = Annotated[int, Query(ge=1, le=104, description="how many weeks, ending with the current one")]
Format = Annotated[Literal["json", "csv"], Query(description="json, or csv for a spreadsheet")]
CSV_COLUMNS = [
    "week_start",
    "members_joined",
    "members_total",
    "active_users",
    "messages",
    "chats_created",
    "calls",
    "call_minutes",
]


CSV_RESPONSE: dict[int | str, dict[str, Any]] = {200: {"content": {"text/csv": {}}}}


def week_out(week: pb.WeekStats) -> WeekOut:
    return WeekOut(
        week_start=date.fromisoformat(week.week_start),
        members_joined=week.members_joined,
        members_total=week.members_total,
        roles=[RoleWeekOut(role=r.role, joined=r.joined, total=r.total) for r in week.roles],
        active_users=week.active_users,
        messages=week.messages,
        chats_created=week.chats_created,
        calls=week.calls,
        call_minutes=week.call_minutes,
    )


def organisation_out(reply: pb.OrganisationWeeksResponse) -> OrganisationStatistics:
    return OrganisationStatistics(
        organisation_id=reply.organisation_id,
        name=reply.name,
        time_zone=reply.time_zone,
        weeks=[week_out(w) for w in reply.weeks],
    )


def csv_text(value: str) -> str:
    """A name as a spreadsheet cell that is never read as a formula (CSV injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def csv_response(rows: list[tuple[str, WeekOut]], filename: str) -> Response:
    """One line per organisation and week: the counters, then joined/total per role."""
    out = io.StringIO()
    writer = csv.writer(out)
    role_columns = [f"{role}_{what}" for role in ROLE_ORDER for what in ("joined", "total")]
    writer.writerow(["organisation", *CSV_COLUMNS, *role_columns])
    for organisation, week in rows:
        roles = {r.role: r for r in week.roles}
        writer.writerow(
            [
                csv_text(organisation),
                *(getattr(week, column) for column in CSV_COLUMNS),
                *(
                    getattr(roles[role], what) if role in roles else 0
                    for role in ROLE_ORDER
                    for what in ("joined", "total")
                ),
            ]
        )
    return Response(
        content=out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get(
    "/api/v1/orgs/{org_id}/statistics",
    summary="The organisation's weekly statistics (R-STAT-1: its administrator and head)",
    response_model=OrganisationStatistics,
    responses=CSV_RESPONSE,
)
async def organisation_statistics(
    org_id: str, backends: BackendsDep, weeks: Weeks = 12, format: Format = "json"
) -> OrganisationStatistics | Response:
    reply = await backends.statistics.OrganisationWeeks(
        pb.OrganisationWeeksRequest(organisation_id=org_id, weeks=weeks)
    )
    result = organisation_out(reply)
    if format == "csv":
        return csv_response([(result.name, w) for w in result.weeks], "statistics.csv")
    return result


@router.get(
    "/api/v1/operator/statistics",
    summary="Every organisation's weekly statistics, and their sum (R-STAT-1: operator staff)",
    response_model=OperatorStatistics,
    responses=CSV_RESPONSE,
)
async def operator_statistics(
    backends: BackendsDep, weeks: Weeks = 12, format: Format = "json"
) -> OperatorStatistics | Response:
    reply = await backends.statistics.OperatorWeeks(pb.OperatorWeeksRequest(weeks=weeks))
    result = OperatorStatistics(
        totals=[week_out(w) for w in reply.totals],
        organisations=[organisation_out(o) for o in reply.organisations],
    )
    if format == "csv":
        rows = [(o.name, w) for o in result.organisations for w in o.weeks]
        rows += [("Всего", w) for w in result.totals]
        return csv_response(rows, "statistics-all.csv")
    return result
