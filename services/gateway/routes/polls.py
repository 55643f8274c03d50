"""Polls on chat messages (R-CHAT-3): create, vote, retract, close, list voters. The messaging
service decides who may; these routes only translate."""

from __future__ import annotations

from fastapi import APIRouter
from google.protobuf.timestamp_pb2 import Timestamp

from parta.messaging.v1 import messaging_pb2 as pb
from services.gateway.chat_models import MessageOut
from services.gateway.deps import RpcDep, timestamp
from services.gateway.poll_models import PollIn, PollVoterOut, PollVoters, VoteIn
from services.gateway.routes.chats import Seq, message_out

router = APIRouter(tags=["polls"])
CHAT = "/api/v1/chats/{chat_id}"
POLL = CHAT + "/messages/{seq}"


@router.post(
    CHAT + "/polls",
    status_code=201,
    summary="Post a poll (R-CHAT-3; in a channel administrators post, R-CHAT-2)",
)
async def create_poll(chat_id: str, body: PollIn, rpc: RpcDep) -> MessageOut:
    draft = pb.PollDraft(
        question=body.question, options=body.options, multiple=body.multiple, anonymous=body.anonymous
    )
    if body.closes_at is not None:
        closes_at = Timestamp()
        closes_at.FromDatetime(body.closes_at)
        draft.closes_at.CopyFrom(closes_at)
    reply = await rpc.clients.messaging.CreatePoll(
        pb.CreatePollRequest(chat_id=chat_id, poll=draft, reply_to_seq=body.reply_to_seq),
        metadata=rpc.metadata,
        timeout=rpc.timeout,
    )
    return message_out(reply)


@router.post(POLL + "/votes", summary="Vote: my choices replace my previous vote; refused once closed")
async def vote(chat_id: str, seq: Seq, body: VoteIn, rpc: RpcDep) -> MessageOut:
    reply = await rpc.clients.messaging.Vote(
        pb.VoteRequest(chat_id=chat_id, seq=seq, options=body.options),
        metadata=rpc.metadata,
        timeout=rpc.timeout,
    )
    return message_out(reply)


@router.delete(POLL + "/votes", summary="Take my vote back while the poll is open")
async def retract_vote(chat_id: str, seq: Seq, rpc: RpcDep) -> MessageOut:
    reply = await rpc.clients.messaging.RetractVote(
        pb.PollRequest(chat_id=chat_id, seq=seq), metadata=rpc.metadata, timeout=rpc.timeout
    )
    return message_out(reply)


@router.post(POLL + "/poll:close", summary="Close a poll: its author, the chat's moderators, administrators")
async def close_poll(chat_id: str, seq: Seq, rpc: RpcDep) -> MessageOut:
    reply = await rpc.clients.messaging.ClosePoll(
        pb.PollRequest(chat_id=chat_id, seq=seq), metadata=rpc.metadata, timeout=rpc.timeout
    )
    return message_out(reply)


@router.get(
    POLL + "/poll/voters",
    summary="Who voted how: open polls only (anonymous ones: 403 to everyone)",
)
async def poll_voters(chat_id: str, seq: Seq, rpc: RpcDep) -> PollVoters:
    reply = await rpc.clients.messaging.ListPollVoters(
        pb.PollRequest(chat_id=chat_id, seq=seq), metadata=rpc.metadata, timeout=rpc.timeout
    )
    return PollVoters(
        voters=[
            PollVoterOut.model_validate(
                {"user_id": v.user_id, "options": list(v.options), "voted_at": timestamp(v.voted_at)}
            )
            for v in reply.voters
        ]
    )
