"""The events directory stages so that people are told of support requests (R-PRIV-4, issue 11): one
written (to its addressee) and one answered (to its author). Identity consumes them
(services/identity/notices) and tells the person live, or by SMS/e-mail. Each is staged in the
transaction of the change it reports."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from parta.events.v1 import directory_pb2
from services.common.events import user_actor
from services.common.outbox import stage_event
from services.directory.support.parts import Organisations


async def stage_support_request_created(conn: AsyncConnection, request: Row[Any], actor: str) -> None:
    await stage_event(
        conn,
        "directory.support_request.created",
        directory_pb2.SupportRequestCreated(
            organisation_id=str(request.organisation_id),
            request_id=str(request.id),
            author_id=str(request.author_id),
            addressee=request.addressee,
            subject=request.subject,
        ),
        organisation_id=str(request.organisation_id),
        actor=user_actor(actor),
    )


async def stage_support_request_answered(
    conn: AsyncConnection, store: Organisations, request: Row[Any], actor: str
) -> None:
    organisation = await store.get_organisation(conn, request.organisation_id)
    await stage_event(
        conn,
        "directory.support_request.answered",
        directory_pb2.SupportRequestAnswered(
            organisation_id=str(request.organisation_id),
            request_id=str(request.id),
            author_id=str(request.author_id),
            subject=request.subject,
            status=request.status,
            organisation_name=organisation.name if organisation is not None else "",
        ),
        organisation_id=str(request.organisation_id),
        actor=user_actor(actor),
    )
