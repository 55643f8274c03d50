"""The event directory stages so that an applicant is told their application was decided (R-ORG-2,
issue 11). Identity consumes it (services/identity/notices) and tells the person live, or by
SMS/e-mail. Staged in the transaction of the decision."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from parta.events.v1 import directory_pb2
from services.common.events import user_actor
from services.common.outbox import stage_event


async def stage_application_decided(
    conn: AsyncConnection, application: Row[Any], *, organisation_id: str, reason: str, actor: str
) -> None:
    """Approved when `organisation_id` is given, rejected (with `reason`) otherwise."""
    await stage_event(
        conn,
        "directory.application.decided",
        directory_pb2.ApplicationDecided(
            application_id=str(application.id),
            approved=bool(organisation_id),
            organisation_id=organisation_id,
            organisation_name=application.name,
            admin_phone=application.admin_phone or "",
            admin_email=application.admin_email or "",
            reason=reason,
        ),
        organisation_id=organisation_id,
        actor=user_actor(actor),
    )
