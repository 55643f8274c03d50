"""Request and response bodies of polls (R-CHAT-3) and the "seen by" count, and the conversion of a
message's poll from the contract."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from parta.messaging.v1 import messaging_pb2 as pb
from services.gateway.deps import timestamp


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


class PollOptionOut(BaseModel):
    text: str
    votes: int


class PollOut(BaseModel):
    question: str
    options: list[PollOptionOut]
    multiple: bool
    anonymous: bool
    closed: bool
    closes_at: datetime | None
    closed_at: datetime | None
    total_voters: int
    my_choices: list[int] = Field(description="my own choices (empty in live frames)")
    may_close: bool
    may_list_voters: bool


class PollVoterOut(BaseModel):
    user_id: str
    options: list[int]
    voted_at: datetime | None


class PollVoters(BaseModel):
    voters: list[PollVoterOut]


def poll_out(message: pb.ChatMessage) -> PollOut | None:
    """The message's poll, or None when it carries none."""
    if not message.HasField("poll"):
        return None
    poll = message.poll
    return PollOut.model_validate(
        {
            "question": poll.question,
            "options": [{"text": o.text, "votes": o.votes} for o in poll.options],
            "multiple": poll.multiple,
            "anonymous": poll.anonymous,
            "closed": poll.closed,
            "closes_at": timestamp(poll.closes_at),
            "closed_at": timestamp(poll.closed_at),
            "total_voters": poll.total_voters,
            "my_choices": list(poll.my_choices),
            "may_close": poll.may_close,
            "may_list_voters": poll.may_list_voters,
        }
    )


def seen_count(message: pb.ChatMessage) -> int | None:
    """ "Seen by" of a channel post, when the caller may see it."""
    return message.seen_count if message.HasField("seen_count") else None
