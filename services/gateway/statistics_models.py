"""Response bodies of the weekly statistics (R-STAT-1)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field


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
