"""Messaging's gRPC service `parta.messaging.v1.Polls` (R-CHAT-3): reads the request, asks the domain, shapes
the reply. A new poll is a message posted with the poll as its part (`views.PollPosting`), composed
here: `Messages.post` stores it in the post's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, TypeAlias

from parta.messaging.v1 import messaging_pb2 as pb
from parta.messaging.v1 import polls_pb2, polls_pb2_grpc
from services.common.auth import Principal, current_principal
from services.common.convert import from_timestamp, to_timestamp
from services.messaging.chats.parts import Posted, PostPart, Views
from services.messaging.polls.rules import PollDraft
from services.messaging.polls.views import PollPosting
from services.messaging.polls.voting import PollChange, Polls

Context: TypeAlias = Any  # grpc.aio.ServicerContext (grpcio ships no type hints)

SERVICE_NAME = "parta.messaging.v1.Polls"


class Poster(Protocol):
    """How a poll is posted: as a message carrying it (main passes chats' `messages.Messages`)."""

    async def post(
        self, principal: Principal, chat_id: str, text: str, reply_to_seq: int, *, parts: Sequence[PostPart]
    ) -> Posted: ...


class PollsApi(polls_pb2_grpc.PollsServicer):
    def __init__(self, polls: Polls, messages: Poster, views: Views, posting: PollPosting) -> None:
        self._polls = polls
        self._messages = messages
        self._views = views
        self._posting = posting

    async def _seen_by_caller(self, change: PollChange) -> pb.ChatMessage:
        return (await self._views.read(change.reader, [change.message]))[0]

    async def CreatePoll(self, request: polls_pb2.CreatePollRequest, context: Context) -> pb.ChatMessage:
        draft = request.poll
        poll = PollDraft(
            question=draft.question,
            options=tuple(draft.options),
            multiple=draft.multiple,
            anonymous=draft.anonymous,
            closes_at=from_timestamp(draft.closes_at) if draft.HasField("closes_at") else None,
        )
        part = self._posting(poll)
        posted = await self._messages.post(
            current_principal(), request.chat_id, part.question, request.reply_to_seq, parts=[part]
        )
        return (await self._views.read(posted.access, [posted.row]))[0]

    async def Vote(self, request: polls_pb2.VoteRequest, context: Context) -> pb.ChatMessage:
        change = await self._polls.vote(
            current_principal(), request.chat_id, request.seq, list(request.options)
        )
        return await self._seen_by_caller(change)

    async def RetractVote(self, request: polls_pb2.PollRequest, context: Context) -> pb.ChatMessage:
        return await self._seen_by_caller(
            await self._polls.retract(current_principal(), request.chat_id, request.seq)
        )

    async def ClosePoll(self, request: polls_pb2.PollRequest, context: Context) -> pb.ChatMessage:
        return await self._seen_by_caller(
            await self._polls.close(current_principal(), request.chat_id, request.seq)
        )

    async def ListPollVoters(
        self, request: polls_pb2.PollRequest, context: Context
    ) -> polls_pb2.ListPollVotersResponse:
        rows = await self._polls.voters(current_principal(), request.chat_id, request.seq)
        return polls_pb2.ListPollVotersResponse(
            voters=[
                polls_pb2.PollVoter(
                    user_id=str(r.user_id), options=list(r.options), voted_at=to_timestamp(r.voted_at)
                )
                for r in rows
            ]
        )
