"""The events directory stages so that people are told of join requests (R-INV-3, issue 11): one made
(to whoever decides it) and one decided (to the requester). Identity consumes them
(services/identity/notices) and tells the person live, or by SMS/e-mail. Each is staged in the
transaction of the change it reports."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from parta.events.v1 import directory_pb2
from services.common.convert import id_text
from services.common.events import user_actor
from services.common.outbox import stage_event
from services.directory.joining.parts import Members, Organisations
from services.directory.membership.enrolment import CLASS_JOIN_ROLES


async def stage_join_request_created(
    conn: AsyncConnection, store: Members, request: Row[Any], actor: str
) -> None:
    class_teacher = None
    if request.role in CLASS_JOIN_ROLES and request.class_id is not None:
        class_teacher = await store.class_teacher(conn, request.class_id)
    await stage_event(
        conn,
        "directory.join_request.created",
        directory_pb2.JoinRequestCreated(
            organisation_id=str(request.organisation_id),
            request_id=str(request.id),
            user_id=str(request.user_id),
            role=request.role,
            class_id=id_text(request.class_id),
            class_teacher_id=id_text(class_teacher),
            requester_name=request.requester_name or "",
        ),
        organisation_id=str(request.organisation_id),
        actor=user_actor(actor),
    )


async def stage_join_request_decided(
    conn: AsyncConnection, store: Organisations, request: Row[Any], actor: str
) -> None:
    organisation = await store.get_organisation(conn, request.organisation_id)
    await stage_event(
        conn,
        "directory.join_request.decided",
        directory_pb2.JoinRequestDecided(
            organisation_id=str(request.organisation_id),
            request_id=str(request.id),
            user_id=str(request.user_id),
            approved=request.status == "approved",
            reason=request.reason or "",
            organisation_name=organisation.name if organisation is not None else "",
            role=request.role,
        ),
        organisation_id=str(request.organisation_id),
        actor=user_actor(actor),
    )
