"""Polls on chat messages (R-CHAT-3): create, vote, retract, close, list voters. The messaging
service decides who may; these routes only translate.
The routes with their request and response bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter
from google.protobuf.timestamp_pb2 import Timestamp
from pydantic import BaseModel, Field

from parta.messaging.v1 import polls_pb2
from services.gateway.deps import BackendsDep
from services.gateway.http.common_models import Seq
from services.gateway.views import MessageOut, message_out, timestamp


class PollIn(BaseModel):
    """A poll: its question becomes the message's text. 2..10 options (the service checks them)."""

    question: str = Field(max_length=2000)
    options: list[str] = Field(max_length=50, description="2..10 distinct options, up to 100 characters")
    multiple: bool = Field(default=False, description="several options may be chosen")
    anonymous: bool = Field(default=False, description="nobody, not even the author, learns who voted how")
    closes_at: datetime | None = Field(default=None, description="optional: closes by itself then")
    reply_to_seq: int = Field(default=0, ge=0, le=2**63 - 1)


class VoteIn(BaseModel):
    """0-based option indexes; exactly one unless the poll is multiple choice. Replaces my vote."""

    options: list[Annotated[int, Field(ge=0, le=99)]] = Field(max_length=10)


class PollVoterOut(BaseModel):
    user_id: str
    options: list[int]
    voted_at: datetime | None


class PollVoters(BaseModel):
    voters: list[PollVoterOut]


router = APIRouter(tags=["polls"])
CHAT = "/api/v1/chats/{chat_id}"
POLL = CHAT + "/messages/{seq}"


@router.post(
    CHAT + "/polls",
    status_code=201,
    summary="Post a poll (R-CHAT-3; in a channel administrators post, R-CHAT-2)",
)
async def create_poll(chat_id: str, body: PollIn, backends: BackendsDep) -> MessageOut:
    draft = polls_pb2.PollDraft(
        question=body.question, options=body.options, multiple=body.multiple, anonymous=body.anonymous
    )
    if body.closes_at is not None:
        closes_at = Timestamp()
        closes_at.FromDatetime(body.closes_at)
        draft.closes_at.CopyFrom(closes_at)
    reply = await backends.polls.CreatePoll(
        polls_pb2.CreatePollRequest(chat_id=chat_id, poll=draft, reply_to_seq=body.reply_to_seq)
    )
    return message_out(reply)


@router.post(POLL + "/votes", summary="Vote: my choices replace my previous vote; refused once closed")
async def vote(chat_id: str, seq: Seq, body: VoteIn, backends: BackendsDep) -> MessageOut:
    reply = await backends.polls.Vote(polls_pb2.VoteRequest(chat_id=chat_id, seq=seq, options=body.options))
    return message_out(reply)


@router.delete(POLL + "/votes", summary="Take my vote back while the poll is open")
async def retract_vote(chat_id: str, seq: Seq, backends: BackendsDep) -> MessageOut:
    reply = await backends.polls.RetractVote(polls_pb2.PollRequest(chat_id=chat_id, seq=seq))
    return message_out(reply)


@router.post(POLL + "/poll:close", summary="Close a poll: its author, the chat's moderators, administrators")
async def close_poll(chat_id: str, seq: Seq, backends: BackendsDep) -> MessageOut:
    reply = await backends.polls.ClosePoll(polls_pb2.PollRequest(chat_id=chat_id, seq=seq))
    return message_out(reply)


@router.get(
    POLL + "/poll/voters",
    summary="Who voted how: open polls only (anonymous ones: 403 to everyone)",
)
async def poll_voters(chat_id: str, seq: Seq, backends: BackendsDep) -> PollVoters:
    reply = await backends.polls.ListPollVoters(polls_pb2.PollRequest(chat_id=chat_id, seq=seq))
    return PollVoters(
        voters=[
            PollVoterOut.model_validate(
                {"user_id": v.user_id, "options": list(v.options), "voted_at": timestamp(v.voted_at)}
            )
            for v in reply.voters
        ]
    )
