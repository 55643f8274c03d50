"""The polls part of messaging's gRPC servicer (R-CHAT-3): reads the request, asks `polls.Polls`,
shapes the reply. Mixed into `api.MessagingServicer`, which gives it `_polls`."""

from __future__ import annotations

from datetime import UTC
from typing import Any, TypeAlias

from parta.messaging.v1 import messaging_pb2 as pb
from services.common.auth import current_principal
from services.common.convert import to_timestamp
from services.messaging.polls.rules import PollDraft
from services.messaging.polls.voting import Polls

Context: TypeAlias = Any  # grpc.aio.ServicerContext (grpcio ships no type hints)


class PollServicer:
    _polls: Polls

    async def CreatePoll(self, request: pb.CreatePollRequest, context: Context) -> pb.ChatMessage:
        draft = request.poll
        poll = PollDraft(
            question=draft.question,
            options=tuple(draft.options),
            multiple=draft.multiple,
            anonymous=draft.anonymous,
            closes_at=draft.closes_at.ToDatetime(tzinfo=UTC) if draft.HasField("closes_at") else None,
        )
        return await self._polls.create(current_principal(), request.chat_id, poll, request.reply_to_seq)

    async def Vote(self, request: pb.VoteRequest, context: Context) -> pb.ChatMessage:
        return await self._polls.vote(
            current_principal(), request.chat_id, request.seq, list(request.options)
        )

    async def RetractVote(self, request: pb.PollRequest, context: Context) -> pb.ChatMessage:
        return await self._polls.retract(current_principal(), request.chat_id, request.seq)

    async def ClosePoll(self, request: pb.PollRequest, context: Context) -> pb.ChatMessage:
        return await self._polls.close(current_principal(), request.chat_id, request.seq)

    async def ListPollVoters(self, request: pb.PollRequest, context: Context) -> pb.ListPollVotersResponse:
        rows = await self._polls.voters(current_principal(), request.chat_id, request.seq)
        return pb.ListPollVotersResponse(
            voters=[
                pb.PollVoter(
                    user_id=str(r.user_id), options=list(r.options), voted_at=to_timestamp(r.voted_at)
                )
                for r in rows
            ]
        )
