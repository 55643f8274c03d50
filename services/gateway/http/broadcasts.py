"""School-wide broadcasts (R-MEDIA-2): /api/v1/orgs/{org_id}/broadcasts and /api/v1/broadcasts/…, each
route one call of media's `Broadcasts` with the caller's token; who may plan, watch, publish and see
the questions is media's to decide. Joining answers as joining a chat's call does: the call, my
session and the ICE servers; the WebRTC signalling then goes over the live WebSocket (`call.*`
frames carry the call's id)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter
from google.protobuf.timestamp_pb2 import Timestamp
from pydantic import BaseModel, ConfigDict, Field

from parta.media.v1 import broadcasts_pb2
from services.gateway.deps import BackendsDep
from services.gateway.http.calls import IceServerOut, JoinOut
from services.gateway.views import call_out, participant_out, timestamp

STATUS_NAMES: dict[int, Literal["planned", "live", "cancelled"]] = {
    broadcasts_pb2.BROADCAST_STATUS_PLANNED: "planned",
    broadcasts_pb2.BROADCAST_STATUS_LIVE: "live",
    broadcasts_pb2.BROADCAST_STATUS_CANCELLED: "cancelled",
}


class AudienceModel(BaseModel):
    """Who watches (presenters and administrators always may)."""

    model_config = ConfigDict(extra="forbid")

    whole_school: bool = Field(default=False, description="every member of the organisation")
    staff: bool = Field(
        default=False, description="administrators, head, administration, teachers, educators"
    )
    class_ids: list[str] = Field(default_factory=list, description="chosen classes")
    students: bool = Field(default=False, description="the chosen classes' students")
    parents: bool = Field(default=False, description="the parents linked to the chosen classes' students")


class BroadcastIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(max_length=400)
    starts_at: datetime
    presenter_ids: list[str] = Field(description="one to a few members who publish")
    audience: AudienceModel


class BroadcastChangeIn(BaseModel):
    """Only the fields given change."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, max_length=400)
    starts_at: datetime | None = None
    presenter_ids: list[str] | None = None
    audience: AudienceModel | None = None


class BroadcastOut(BaseModel):
    id: str
    organisation_id: str
    title: str
    starts_at: datetime | None
    presenter_ids: list[str]
    audience: AudienceModel
    status: Literal["planned", "live", "cancelled"]
    call_id: str = Field(description="the call in progress, empty when there is none")
    created_by: str
    created_at: datetime | None
    i_present: bool = Field(description="I am one of the presenters (I publish)")
    may_manage: bool = Field(description="I may change and cancel it (the administrator)")
    viewer_count: int = Field(description="people in it now")


class BroadcastListOut(BaseModel):
    broadcasts: list[BroadcastOut]


class QuestionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(max_length=2000)


class QuestionOut(BaseModel):
    id: str
    broadcast_id: str
    author_id: str
    text: str
    asked_at: datetime | None
    hidden: bool


class QuestionListOut(BaseModel):
    questions: list[QuestionOut]


def stamp(value: datetime) -> Timestamp:
    moment = Timestamp()
    moment.FromDatetime(value)
    return moment


def audience_pb(audience: AudienceModel) -> broadcasts_pb2.Audience:
    return broadcasts_pb2.Audience(**audience.model_dump())


def broadcast_out(reply: broadcasts_pb2.Broadcast) -> BroadcastOut:
    audience = reply.audience
    return BroadcastOut.model_validate(
        {
            "id": reply.id,
            "organisation_id": reply.organisation_id,
            "title": reply.title,
            "starts_at": timestamp(reply.starts_at),
            "presenter_ids": list(reply.presenter_ids),
            "audience": {
                "whole_school": audience.whole_school,
                "staff": audience.staff,
                "class_ids": list(audience.class_ids),
                "students": audience.students,
                "parents": audience.parents,
            },
            "status": STATUS_NAMES.get(reply.status, "planned"),
            "call_id": reply.call_id,
            "created_by": reply.created_by,
            "created_at": timestamp(reply.created_at),
            "i_present": reply.i_present,
            "may_manage": reply.may_manage,
            "viewer_count": reply.viewer_count,
        }
    )


def question_out(reply: broadcasts_pb2.Question) -> QuestionOut:
    return QuestionOut.model_validate(
        {
            "id": reply.id,
            "broadcast_id": reply.broadcast_id,
            "author_id": reply.author_id,
            "text": reply.text,
            "asked_at": timestamp(reply.asked_at),
            "hidden": reply.hidden,
        }
    )


router = APIRouter(tags=["broadcasts"])
ORG_BROADCASTS = "/api/v1/orgs/{org_id}/broadcasts"
BROADCAST = "/api/v1/broadcasts/{broadcast_id}"


@router.post(ORG_BROADCASTS, summary="The administrator plans a broadcast (R-MEDIA-2)", status_code=201)
async def plan_broadcast(org_id: str, body: BroadcastIn, backends: BackendsDep) -> BroadcastOut:
    reply = await backends.broadcasts.PlanBroadcast(
        broadcasts_pb2.PlanBroadcastRequest(
            organisation_id=org_id,
            title=body.title,
            starts_at=stamp(body.starts_at),
            presenter_ids=body.presenter_ids,
            audience=audience_pb(body.audience),
        )
    )
    return broadcast_out(reply)


@router.get(ORG_BROADCASTS, summary="Broadcasts I may watch or present: live and upcoming (R-MEDIA-2)")
async def my_broadcasts(org_id: str, backends: BackendsDep) -> BroadcastListOut:
    reply = await backends.broadcasts.ListMyBroadcasts(
        broadcasts_pb2.ListMyBroadcastsRequest(organisation_id=org_id)
    )
    return BroadcastListOut(broadcasts=[broadcast_out(b) for b in reply.broadcasts])


@router.get(BROADCAST, summary="A broadcast; 403 outside its audience (R-MEDIA-2), 404 in another school")
async def get_broadcast(broadcast_id: str, backends: BackendsDep) -> BroadcastOut:
    reply = await backends.broadcasts.GetBroadcast(broadcasts_pb2.BroadcastRequest(broadcast_id=broadcast_id))
    return broadcast_out(reply)


@router.patch(BROADCAST, summary="The administrator changes a broadcast (only the fields given)")
async def update_broadcast(broadcast_id: str, body: BroadcastChangeIn, backends: BackendsDep) -> BroadcastOut:
    request = broadcasts_pb2.UpdateBroadcastRequest(broadcast_id=broadcast_id)
    if body.title is not None:
        request.title = body.title
    if body.starts_at is not None:
        request.starts_at.CopyFrom(stamp(body.starts_at))
    if body.presenter_ids:
        request.presenter_ids.extend(body.presenter_ids)
    if body.audience is not None:
        request.audience.CopyFrom(audience_pb(body.audience))
    return broadcast_out(await backends.broadcasts.UpdateBroadcast(request))


@router.post(BROADCAST + "/cancel", summary="The administrator cancels a broadcast")
async def cancel_broadcast(broadcast_id: str, backends: BackendsDep) -> BroadcastOut:
    reply = await backends.broadcasts.CancelBroadcast(
        broadcasts_pb2.BroadcastRequest(broadcast_id=broadcast_id)
    )
    return broadcast_out(reply)


@router.post(
    BROADCAST + "/join",
    summary="Join the broadcast's call: presenters publish, viewers watch only (R-MEDIA-2, R-MEDIA-3)",
)
async def join_broadcast(broadcast_id: str, backends: BackendsDep) -> JoinOut:
    reply = await backends.broadcasts.JoinBroadcast(
        broadcasts_pb2.JoinBroadcastRequest(broadcast_id=broadcast_id)
    )
    return JoinOut(
        call=call_out(reply.call),
        me=participant_out(reply.me),
        ice_servers=[
            IceServerOut(urls=list(s.urls), username=s.username, credential=s.credential)
            for s in reply.ice_servers
        ],
        started=reply.started,
    )


@router.post(BROADCAST + "/questions", summary="Ask the presenters a question", status_code=201)
async def ask_question(broadcast_id: str, body: QuestionIn, backends: BackendsDep) -> QuestionOut:
    reply = await backends.broadcasts.AskQuestion(
        broadcasts_pb2.AskQuestionRequest(broadcast_id=broadcast_id, text=body.text)
    )
    return question_out(reply)


@router.get(
    BROADCAST + "/questions",
    summary="The questions: every visible one for presenters and administrators, my own for a viewer",
)
async def list_questions(broadcast_id: str, backends: BackendsDep) -> QuestionListOut:
    reply = await backends.broadcasts.ListQuestions(
        broadcasts_pb2.BroadcastRequest(broadcast_id=broadcast_id)
    )
    return QuestionListOut(questions=[question_out(q) for q in reply.questions])


@router.post(BROADCAST + "/questions/{question_id}/hide", summary="A presenter hides a question")
async def hide_question(broadcast_id: str, question_id: str, backends: BackendsDep) -> QuestionOut:
    reply = await backends.broadcasts.HideQuestion(
        broadcasts_pb2.HideQuestionRequest(broadcast_id=broadcast_id, question_id=question_id)
    )
    return question_out(reply)
