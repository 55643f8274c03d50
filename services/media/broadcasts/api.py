"""The media service's gRPC service `parta.media.v1.Broadcasts`: reads the request, asks
`planning.Broadcasts` and `questions.Questions`, shapes the reply."""

from __future__ import annotations

from typing import Any, TypeAlias

from parta.media.v1 import broadcasts_pb2, broadcasts_pb2_grpc, calls_pb2
from services.common.auth import current_principal
from services.common.convert import from_timestamp, to_timestamp
from services.common.errors import InvalidArgument
from services.media.broadcasts import rules
from services.media.broadcasts.convert import (
    audience_from_pb,
    audience_of,
    audience_pb,
    presenters_of,
    question_pb,
)
from services.media.broadcasts.planning import Broadcasts, BroadcastView, Change
from services.media.broadcasts.questions import Questions

Context: TypeAlias = Any  # grpc.aio.ServicerContext (grpcio ships no type hints)

SERVICE_NAME = "parta.media.v1.Broadcasts"


def broadcast_pb(view: BroadcastView) -> broadcasts_pb2.Broadcast:
    row = view.row
    if row.cancelled_at is not None:
        status = broadcasts_pb2.BROADCAST_STATUS_CANCELLED
    elif view.call_id:
        status = broadcasts_pb2.BROADCAST_STATUS_LIVE
    else:
        status = broadcasts_pb2.BROADCAST_STATUS_PLANNED
    return broadcasts_pb2.Broadcast(
        id=str(row.id),
        organisation_id=str(row.organisation_id),
        title=row.title,
        starts_at=to_timestamp(row.starts_at),
        presenter_ids=list(presenters_of(row)),
        audience=audience_pb(audience_of(row)),
        status=status,
        call_id=view.call_id,
        created_by=str(row.created_by),
        created_at=to_timestamp(row.created_at),
        i_present=view.i_present,
        may_manage=view.may_manage,
        viewer_count=view.viewer_count,
    )


class BroadcastsApi(broadcasts_pb2_grpc.BroadcastsServicer):
    def __init__(self, broadcasts: Broadcasts, questions: Questions) -> None:
        self._broadcasts = broadcasts
        self._questions = questions

    async def PlanBroadcast(
        self, request: broadcasts_pb2.PlanBroadcastRequest, context: Context
    ) -> broadcasts_pb2.Broadcast:
        if not request.HasField("starts_at"):
            raise InvalidArgument("Укажите время начала", field="starts_at")
        plan = rules.Plan(
            title=request.title,
            starts_at=from_timestamp(request.starts_at),
            presenter_ids=tuple(request.presenter_ids),
            audience=audience_from_pb(request.audience),
        )
        return broadcast_pb(await self._broadcasts.plan(current_principal(), request.organisation_id, plan))

    async def UpdateBroadcast(
        self, request: broadcasts_pb2.UpdateBroadcastRequest, context: Context
    ) -> broadcasts_pb2.Broadcast:
        change = Change(
            title=request.title if request.HasField("title") else None,
            starts_at=from_timestamp(request.starts_at) if request.HasField("starts_at") else None,
            presenter_ids=tuple(request.presenter_ids) or None,
            audience=audience_from_pb(request.audience) if request.HasField("audience") else None,
        )
        return broadcast_pb(await self._broadcasts.update(current_principal(), request.broadcast_id, change))

    async def CancelBroadcast(
        self, request: broadcasts_pb2.BroadcastRequest, context: Context
    ) -> broadcasts_pb2.Broadcast:
        return broadcast_pb(await self._broadcasts.cancel(current_principal(), request.broadcast_id))

    async def ListMyBroadcasts(
        self, request: broadcasts_pb2.ListMyBroadcastsRequest, context: Context
    ) -> broadcasts_pb2.ListBroadcastsResponse:
        views = await self._broadcasts.mine(current_principal(), request.organisation_id)
        return broadcasts_pb2.ListBroadcastsResponse(broadcasts=[broadcast_pb(view) for view in views])

    async def GetBroadcast(
        self, request: broadcasts_pb2.BroadcastRequest, context: Context
    ) -> broadcasts_pb2.Broadcast:
        return broadcast_pb(await self._broadcasts.get(current_principal(), request.broadcast_id))

    async def JoinBroadcast(
        self, request: broadcasts_pb2.JoinBroadcastRequest, context: Context
    ) -> calls_pb2.JoinCallResponse:
        return await self._broadcasts.join(current_principal(), request.broadcast_id)

    async def AskQuestion(
        self, request: broadcasts_pb2.AskQuestionRequest, context: Context
    ) -> broadcasts_pb2.Question:
        return question_pb(await self._questions.ask(current_principal(), request.broadcast_id, request.text))

    async def ListQuestions(
        self, request: broadcasts_pb2.BroadcastRequest, context: Context
    ) -> broadcasts_pb2.ListQuestionsResponse:
        rows = await self._questions.listed(current_principal(), request.broadcast_id)
        return broadcasts_pb2.ListQuestionsResponse(questions=[question_pb(row) for row in rows])

    async def HideQuestion(
        self, request: broadcasts_pb2.HideQuestionRequest, context: Context
    ) -> broadcasts_pb2.Question:
        return question_pb(
            await self._questions.hide(current_principal(), request.broadcast_id, request.question_id)
        )
