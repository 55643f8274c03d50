"""Chats, channels and messages: /api/v1/chats and /api/v1/orgs/{org}/chats (R-CHAT-1..7).
The routes with their request and response bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from parta.messaging.v1 import chats_pb2
from parta.messaging.v1 import messaging_pb2 as pb
from services.gateway.deps import BackendsDep
from services.gateway.http.common_models import MAX_SEQ, ChatKindName, ChatOut, JoinIn, Seq, chat_out
from services.gateway.views import MessageOut, message_out, timestamp


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


class Chats(BaseModel):
    chats: list[ChatOut]


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


class MessagePage(BaseModel):
    messages: list[MessageOut]
    has_more: bool


class ReadIn(BaseModel):
    seq: int = Field(ge=0, le=MAX_SEQ)


class ReadStateOut(BaseModel):
    chat_id: str
    last_read_seq: int
    unread_count: int


router = APIRouter(tags=["chats"])
CHATS = "/api/v1/chats"


def invitation_out(reply: chats_pb2.ChatInvitation) -> InvitationOut:
    return InvitationOut.model_validate(
        {
            "id": reply.id,
            "chat_id": reply.chat_id,
            "chat_title": reply.chat_title,
            "organisation_id": reply.organisation_id,
            "user_id": reply.user_id,
            "invited_by": reply.invited_by,
            "status": reply.status,
            "created_at": timestamp(reply.created_at),
        }
    )


# --- chats (R-CHAT-1, R-CHAT-2) ---------------------------------------------------------------
@router.get(CHATS, summary="My chats, with unread counts")
async def my_chats(backends: BackendsDep, organisation_id: str = "") -> Chats:
    reply = await backends.chats.ListMyChats(chats_pb2.ListMyChatsRequest(organisation_id=organisation_id))
    return Chats(chats=[chat_out(c) for c in reply.chats])


@router.post(
    "/api/v1/orgs/{org_id}/chats",
    status_code=201,
    summary="Create a chat of a kind I may create (R-CHAT-1); channels: administrators (R-CHAT-2)",
)
async def create_chat(org_id: str, body: ChatIn, backends: BackendsDep) -> ChatOut:
    request = chats_pb2.CreateChatRequest(
        organisation_id=org_id,
        kind=pb.ChatKind.Value("CHAT_KIND_" + body.kind.upper()),
        title=body.title,
        class_id=body.class_id,
        subject=body.subject,
        staff_only=body.staff_only,
        rules=body.rules,
    )
    return chat_out(await backends.chats.CreateChat(request))


@router.get("/api/v1/orgs/{org_id}/chats/joinable", summary="Chats I may join by myself (R-CHAT-4)")
async def joinable_chats(org_id: str, backends: BackendsDep) -> Chats:
    reply = await backends.chats.ListJoinableChats(chats_pb2.ListJoinableChatsRequest(organisation_id=org_id))
    return Chats(chats=[chat_out(c) for c in reply.chats])


@router.get(CHATS + "/{chat_id}", summary="A chat with its numbered rules (R-CHAT-5)")
async def get_chat(chat_id: str, backends: BackendsDep) -> ChatOut:
    reply = await backends.chats.GetChat(chats_pb2.GetChatRequest(chat_id=chat_id))
    return chat_out(reply)


@router.post(CHATS + "/{chat_id}:join", summary="Join, acknowledging the rules (R-CHAT-4, R-CHAT-5)")
async def join_chat(chat_id: str, body: JoinIn, backends: BackendsDep) -> ChatOut:
    reply = await backends.chats.JoinChat(
        chats_pb2.JoinChatRequest(chat_id=chat_id, rules_version=body.rules_version)
    )
    return chat_out(reply)


@router.get(CHATS + "/{chat_id}/members", summary="The chat's members (to its members, R-PRIV-1)")
async def chat_members(chat_id: str, backends: BackendsDep) -> ChatMembers:
    reply = await backends.chats.ListChatMembers(chats_pb2.GetChatRequest(chat_id=chat_id))
    return ChatMembers(
        members=[
            ChatMemberOut.model_validate(
                {"user_id": m.user_id, "rules_version": m.rules_version, "joined_at": timestamp(m.joined_at)}
            )
            for m in reply.members
        ]
    )


# --- invitations (R-CHAT-4) -------------------------------------------------------------------
@router.post(
    CHATS + "/{chat_id}/invitations",
    status_code=201,
    summary="Invite people, or the whole class: invitations, never memberships (R-CHAT-4)",
)
async def invite(chat_id: str, body: InvitationsIn, backends: BackendsDep) -> Invitations:
    reply = await backends.chats.InviteToChat(
        chats_pb2.InviteToChatRequest(chat_id=chat_id, user_ids=body.user_ids, whole_class=body.whole_class)
    )
    return Invitations(invitations=[invitation_out(i) for i in reply.invitations])


@router.get("/api/v1/me/chat-invitations", summary="My pending chat invitations")
async def my_invitations(backends: BackendsDep) -> Invitations:
    reply = await backends.chats.ListMyChatInvitations(chats_pb2.ListMyChatInvitationsRequest())
    return Invitations(invitations=[invitation_out(i) for i in reply.invitations])


@router.post(
    "/api/v1/chat-invitations/{invitation_id}:accept",
    summary="Accept, acknowledging the chat's rules (R-CHAT-4, R-CHAT-5)",
)
async def accept_invitation(invitation_id: str, body: JoinIn, backends: BackendsDep) -> ChatOut:
    reply = await backends.chats.AcceptChatInvitation(
        chats_pb2.AcceptChatInvitationRequest(invitation_id=invitation_id, rules_version=body.rules_version)
    )
    return chat_out(reply)


@router.post("/api/v1/chat-invitations/{invitation_id}:decline", summary="Decline (R-CHAT-4)")
async def decline_invitation(invitation_id: str, backends: BackendsDep) -> InvitationOut:
    reply = await backends.chats.DeclineChatInvitation(
        chats_pb2.DeclineChatInvitationRequest(invitation_id=invitation_id)
    )
    return invitation_out(reply)


# --- messages (R-CHAT-3, R-CHAT-7) ------------------------------------------------------------
@router.get(CHATS + "/{chat_id}/messages", summary="History by sequence: before/after a seq, or the newest")
async def list_messages(
    chat_id: str,
    backends: BackendsDep,
    before: int = Query(default=0, ge=0, le=MAX_SEQ),
    after: int = Query(default=0, ge=0, le=MAX_SEQ),
    limit: int = Query(default=50, ge=1, le=100),
) -> MessagePage:
    reply = await backends.chats.ListMessages(
        chats_pb2.ListMessagesRequest(chat_id=chat_id, before=before, after=after, limit=limit)
    )
    return MessagePage(messages=[message_out(m) for m in reply.messages], has_more=reply.has_more)


@router.post(CHATS + "/{chat_id}/messages", status_code=201, summary="Post a text message (R-CHAT-3)")
async def post_message(chat_id: str, body: MessageIn, backends: BackendsDep) -> MessageOut:
    reply = await backends.chats.PostMessage(
        chats_pb2.PostMessageRequest(
            chat_id=chat_id,
            text=body.text,
            reply_to_seq=body.reply_to_seq,
            attachment_ids=body.attachment_ids,
            client_id=body.client_id,
        )
    )
    return message_out(reply)


@router.patch(CHATS + "/{chat_id}/messages/{seq}", summary="Edit my message")
async def edit_message(chat_id: str, seq: Seq, body: MessageEdit, backends: BackendsDep) -> MessageOut:
    reply = await backends.chats.EditMessage(
        chats_pb2.EditMessageRequest(chat_id=chat_id, seq=seq, text=body.text)
    )
    return message_out(reply)


@router.delete(CHATS + "/{chat_id}/messages/{seq}", summary="Delete my message (a tombstone keeps its place)")
async def delete_message(chat_id: str, seq: Seq, backends: BackendsDep) -> MessageOut:
    reply = await backends.chats.DeleteMessage(chats_pb2.DeleteMessageRequest(chat_id=chat_id, seq=seq))
    return message_out(reply)


@router.post(CHATS + "/{chat_id}:read", summary="Mark read up to a sequence number")
async def mark_read(chat_id: str, body: ReadIn, backends: BackendsDep) -> ReadStateOut:
    reply = await backends.chats.MarkRead(chats_pb2.MarkReadRequest(chat_id=chat_id, seq=body.seq))
    return ReadStateOut(
        chat_id=reply.chat_id, last_read_seq=reply.last_read_seq, unread_count=reply.unread_count
    )
