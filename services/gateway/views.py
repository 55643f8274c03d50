"""What a client sees of a message, for the HTTP routes and the live channel alike: the message
with its poll (and the "seen by" count) and its attachments, converted from messaging's
`ChatMessage`; a call and its participants (media's `Call`, `Participant`, a track's source by
name); and `timestamp`, the one conversion of a protobuf Timestamp for the public API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from google.protobuf.timestamp_pb2 import Timestamp
from pydantic import BaseModel, Field

from parta.media.v1 import media_pb2 as mpb
from parta.messaging.v1 import messaging_pb2 as pb


def timestamp(value: Timestamp) -> object:
    """A protobuf Timestamp as a datetime, or None when unset."""
    if value.seconds == 0 and value.nanos == 0:
        return None
    return value.ToDatetime().isoformat() + "Z"


class AttachmentOut(BaseModel):
    id: str
    name: str
    content_type: str = Field(description="detected from the file's bytes, not the client's claim")
    kind: Literal["document", "image", "video", "audio"]
    size: int
    width: int | None = Field(default=None, description="pixels, images only")
    height: int | None = None
    has_thumbnail: bool
    url: str = Field(description="GET it with the bearer token")
    thumbnail_url: str | None = None


def attachment_out(reply: pb.Attachment) -> AttachmentOut:
    url = f"/api/v1/attachments/{reply.id}"
    return AttachmentOut.model_validate(
        {
            "id": reply.id,
            "name": reply.name,
            "content_type": reply.content_type,
            "kind": reply.kind,
            "size": reply.size,
            "width": reply.width or None,
            "height": reply.height or None,
            "has_thumbnail": reply.has_thumbnail,
            "url": url,
            "thumbnail_url": url + "/thumbnail" if reply.has_thumbnail else None,
        }
    )


def attachments_out(reply: pb.ChatMessage) -> list[AttachmentOut]:
    return [attachment_out(a) for a in reply.attachments]


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


class MessageOut(BaseModel):
    chat_id: str
    seq: int
    author_id: str
    text: str
    reply_to_seq: int | None
    deleted: bool
    created_at: datetime | None
    edited_at: datetime | None
    # A message a moderator removed: who, and the rule it broke (R-MOD-1, R-MOD-5).
    deleted_by: str | None = None
    delete_rule: int | None = None
    delete_reason: str | None = None
    # A poll (R-CHAT-3), and "seen by" of a channel post for its author, moderators, administrators.
    poll: PollOut | None = None
    seen_count: int | None = None
    # Files (R-CHAT-3), in the order the author attached them.
    attachments: list[AttachmentOut] = Field(default_factory=list)


def message_out(reply: pb.ChatMessage) -> MessageOut:
    return MessageOut.model_validate(
        {
            "chat_id": reply.chat_id,
            "seq": reply.seq,
            "author_id": reply.author_id,
            "text": reply.text,
            "reply_to_seq": reply.reply_to_seq or None,
            "deleted": reply.deleted,
            "created_at": timestamp(reply.created_at),
            "edited_at": timestamp(reply.edited_at),
            "deleted_by": reply.deleted_by or None,
            "delete_rule": reply.delete_rule or None,
            "delete_reason": reply.delete_reason or None,
            "poll": poll_out(reply),
            "seen_count": seen_count(reply),
            "attachments": attachments_out(reply),
        }
    )


# --- calls (R-MEDIA-1): media's Call and Participant, for the HTTP routes and the call frames ------
SourceName = Literal["microphone", "camera", "screen"]
SOURCE_NAMES: dict[mpb.TrackSource.ValueType, SourceName] = {
    mpb.TRACK_SOURCE_MICROPHONE: "microphone",
    mpb.TRACK_SOURCE_CAMERA: "camera",
    mpb.TRACK_SOURCE_SCREEN: "screen",
}
SOURCE_VALUES: dict[str, mpb.TrackSource.ValueType] = {name: value for value, name in SOURCE_NAMES.items()}


def source_name(value: mpb.TrackSource.ValueType) -> SourceName | None:
    """TRACK_SOURCE_CAMERA → "camera"; None for an unset or unknown value."""
    return SOURCE_NAMES.get(value)


class MediaStateOut(BaseModel):
    mic: bool
    camera: bool
    screen: bool
    hand_raised: bool


class ParticipantOut(BaseModel):
    """One joined device of a person in a call."""

    user_id: str
    session_id: str
    state: MediaStateOut
    may_publish: bool = Field(description="false: a member blocked in the chat listens only (R-MOD-3)")
    joined_at: datetime | None


class CallOut(BaseModel):
    """A call in progress in a chat (R-MEDIA-1): no time limit, over when the last one leaves."""

    id: str
    organisation_id: str
    chat_id: str
    started_by: str
    started_at: datetime | None
    participants: list[ParticipantOut]
    may_publish: bool = Field(description="whether I may send audio and video in it")
    may_moderate: bool = Field(description="whether I may mute and remove others (the chat's moderators)")
    broadcast_id: str = Field(default="", description="the broadcast this call is (then chat_id is empty)")


def participant_out(reply: mpb.Participant) -> ParticipantOut:
    state = reply.state
    return ParticipantOut.model_validate(
        {
            "user_id": reply.user_id,
            "session_id": reply.session_id,
            "state": {
                "mic": state.mic,
                "camera": state.camera,
                "screen": state.screen,
                "hand_raised": state.hand_raised,
            },
            "may_publish": reply.may_publish,
            "joined_at": timestamp(reply.joined_at),
        }
    )


def call_out(reply: mpb.Call) -> CallOut:
    return CallOut.model_validate(
        {
            "id": reply.id,
            "organisation_id": reply.organisation_id,
            "chat_id": reply.chat_id,
            "started_by": reply.started_by,
            "started_at": timestamp(reply.started_at),
            "participants": [participant_out(p) for p in reply.participants],
            "may_publish": reply.may_publish,
            "may_moderate": reply.may_moderate,
            "broadcast_id": reply.broadcast_id,
        }
    )
