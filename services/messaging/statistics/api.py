"""The Statistics gRPC servicer (R-STAT-1): reads the request, asks `Statistics`, shapes the reply."""

from __future__ import annotations

from typing import Any, TypeAlias

from parta.messaging.v1 import statistics_pb2 as pb
from parta.messaging.v1 import statistics_pb2_grpc
from services.common.auth import current_principal
from services.messaging.statistics.reports import OrganisationReport, Statistics, WeekStats

Context: TypeAlias = Any  # grpc.aio.ServicerContext (grpcio ships no type hints)

SERVICE_NAME = "parta.messaging.v1.Statistics"


def week_pb(week: WeekStats) -> pb.WeekStats:
    return pb.WeekStats(
        week_start=week.week_start.isoformat(),
        members_joined=week.members_joined,
        members_total=week.members_total,
        roles=[pb.RoleWeek(role=r.role, joined=r.joined, total=r.total) for r in week.roles],
        active_users=week.active_users,
        messages=week.messages,
        chats_created=week.chats_created,
        calls=week.calls,
        call_minutes=week.call_minutes,
    )


def organisation_pb(report: OrganisationReport) -> pb.OrganisationWeeksResponse:
    return pb.OrganisationWeeksResponse(
        organisation_id=str(report.organisation_id),
        name=report.name,
        time_zone=report.time_zone,
        weeks=[week_pb(week) for week in report.weeks],
    )


class StatisticsServicer(statistics_pb2_grpc.StatisticsServicer):
    def __init__(self, statistics: Statistics) -> None:
        self._statistics = statistics

    async def OrganisationWeeks(
        self, request: pb.OrganisationWeeksRequest, context: Context
    ) -> pb.OrganisationWeeksResponse:
        report = await self._statistics.organisation_weeks(
            current_principal(), request.organisation_id, request.weeks
        )
        return organisation_pb(report)

    async def OperatorWeeks(
        self, request: pb.OperatorWeeksRequest, context: Context
    ) -> pb.OperatorWeeksResponse:
        report = await self._statistics.operator_weeks(current_principal(), request.weeks)
        return pb.OperatorWeeksResponse(
            totals=[week_pb(week) for week in report.totals],
            organisations=[organisation_pb(o) for o in report.organisations],
        )
