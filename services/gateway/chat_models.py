"""Request and response bodies of the chats part of the public API (R-CHAT-1..7)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from services.gateway.attachment_models import AttachmentOut
from services.gateway.poll_models import PollOut

# Sequence numbers are 64-bit (int64 in the contract): a larger number is bad input (400), not a 500.
MAX_SEQ = 2**63 - 1

ChatKindName = Literal["class", "parents", "class_staff", "subject", "management", "other", "channel"]


class ChatIn(BaseModel):
    """R-CHAT-1: what to create. Class kinds need class_id (and subject for a subject chat)."""

    kind: ChatKindName
    title: str = Field(default="", max_length=200, description="empty: named after the class")
    class_id: str = Field(default="", max_length=64)
    subject: str = Field(default="", max_length=64)
    staff_only: bool = Field(default=False, description="a channel for staff only")
    rules: list[str] = Field(
        default_factory=list, max_length=20, description="numbered rules; empty: the default set"
    )


class MessagePreviewOut(BaseModel):
    """The newest message of a chat, for the preview line of the chats list."""

    seq: int
    author_id: str
    text: str = Field(description="cut to 200 characters; empty when deleted")
    created_at: datetime | None
    deleted: bool
    has_attachments: bool
    is_poll: bool


class ChatOut(BaseModel):
    id: str
    organisation_id: str
    kind: str
    title: str
    class_id: str | None
    subject: str | None
    system_kind: str | None = Field(description="'school' or 'staff' for the system channels (R-ORG-5)")
    staff_only: bool
    created_by: str | None
    rules_version: int
    rules: list[str]
    last_seq: int
    member: bool
    last_read_seq: int
    unread_count: int
    may_post: bool
    member_count: int
    created_at: datetime | None
    last_message: MessagePreviewOut | None = Field(
        default=None, description="in GET /chats only: the newest message, or null when there is none"
    )


class Chats(BaseModel):
    chats: list[ChatOut]


class JoinIn(BaseModel):
    """R-CHAT-5: the rules version the member read and acknowledges."""

    rules_version: int = Field(ge=1)


class ChatMemberOut(BaseModel):
    user_id: str
    rules_version: int
    joined_at: datetime | None


class ChatMembers(BaseModel):
    members: list[ChatMemberOut]


class InvitationsIn(BaseModel):
    """R-CHAT-4: invite these people, or every eligible person of the chat's class."""

    user_ids: list[str] = Field(default_factory=list, max_length=200)
    whole_class: bool = False


class InvitationOut(BaseModel):
    id: str
    chat_id: str
    chat_title: str
    organisation_id: str
    user_id: str
    invited_by: str
    status: Literal["pending", "accepted", "declined", "withdrawn"]
    created_at: datetime | None


class Invitations(BaseModel):
    invitations: list[InvitationOut]


class MessageIn(BaseModel):
    """Plain text, stored as written (markup is the client's job). At most 4,000 characters."""

    text: str = Field(default="", description="may be empty when the message has attachments")
    reply_to_seq: int = Field(default=0, ge=0, le=MAX_SEQ)
    attachment_ids: list[str] = Field(
        default_factory=list, max_length=10, description="my uploads to this chat (POST …/attachments)"
    )
    client_id: str = Field(
        default="",
        max_length=36,
        description="a UUID the client gives the message: retrying with it never stores the message twice",
    )


class MessageEdit(BaseModel):
    text: str


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


class MessagePage(BaseModel):
    messages: list[MessageOut]
    has_more: bool


class ReadIn(BaseModel):
    seq: int = Field(ge=0, le=MAX_SEQ)


class ReadStateOut(BaseModel):
    chat_id: str
    last_read_seq: int
    unread_count: int
