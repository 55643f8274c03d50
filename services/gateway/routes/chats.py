"""Chats, channels and messages: /api/v1/chats and /api/v1/orgs/{org}/chats (R-CHAT-1..7)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from parta.messaging.v1 import messaging_pb2 as pb
from services.gateway.attachment_models import attachments_out
from services.gateway.chat_models import (
    MAX_SEQ,
    ChatIn,
    ChatMemberOut,
    ChatMembers,
    ChatOut,
    Chats,
    InvitationOut,
    Invitations,
    InvitationsIn,
    JoinIn,
    MessageEdit,
    MessageIn,
    MessageOut,
    MessagePage,
    MessagePreviewOut,
    ReadIn,
    ReadStateOut,
)
from services.gateway.deps import RpcDep, timestamp
from services.gateway.poll_models import poll_out, seen_count

router = APIRouter(tags=["chats"])
# A message's sequence number in a path: int64, so a larger one is 400 (not a failed conversion).
Seq = Annotated[int, Path(ge=0, le=MAX_SEQ)]
CHATS = "/api/v1/chats"


def _kind_name(value: int) -> str:
    return pb.ChatKind.Name(value).removeprefix("CHAT_KIND_").lower()  # type: ignore[arg-type]


def chat_out(reply: pb.Chat) -> ChatOut:
    return ChatOut.model_validate(
        {
            "id": reply.id,
            "organisation_id": reply.organisation_id,
            "kind": _kind_name(reply.kind),
            "title": reply.title,
            "class_id": reply.class_id or None,
            "subject": reply.subject or None,
            "system_kind": reply.system_kind or None,
            "staff_only": reply.staff_only,
            "created_by": reply.created_by or None,
            "rules_version": reply.rules_version,
            "rules": list(reply.rules),
            "last_seq": reply.last_seq,
            "member": reply.member,
            "last_read_seq": reply.last_read_seq,
            "unread_count": reply.unread_count,
            "may_post": reply.may_post,
            "member_count": reply.member_count,
            "created_at": timestamp(reply.created_at),
            "last_message": preview_out(reply.last_message) if reply.HasField("last_message") else None,
        }
    )


def preview_out(reply: pb.MessagePreview) -> MessagePreviewOut:
    return MessagePreviewOut.model_validate(
        {
            "seq": reply.seq,
            "author_id": reply.author_id,
            "text": reply.text,
            "created_at": timestamp(reply.created_at),
            "deleted": reply.deleted,
            "has_attachments": reply.has_attachments,
            "is_poll": reply.is_poll,
        }
    )


def invitation_out(reply: pb.ChatInvitation) -> InvitationOut:
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


# --- chats (R-CHAT-1, R-CHAT-2) ---------------------------------------------------------------
@router.get(CHATS, summary="My chats, with unread counts")
async def my_chats(rpc: RpcDep, organisation_id: str = "") -> Chats:
    reply = await rpc.clients.messaging.ListMyChats(
        pb.ListMyChatsRequest(organisation_id=organisation_id), metadata=rpc.metadata, timeout=rpc.timeout
    )
    return Chats(chats=[chat_out(c) for c in reply.chats])


@router.post(
    "/api/v1/orgs/{org_id}/chats",
    status_code=201,
    summary="Create a chat of a kind I may create (R-CHAT-1); channels: administrators (R-CHAT-2)",
)
async def create_chat(org_id: str, body: ChatIn, rpc: RpcDep) -> ChatOut:
    request = pb.CreateChatRequest(
        organisation_id=org_id,
        kind=pb.ChatKind.Value("CHAT_KIND_" + body.kind.upper()),
        title=body.title,
        class_id=body.class_id,
        subject=body.subject,
        staff_only=body.staff_only,
        rules=body.rules,
    )
    return chat_out(
        await rpc.clients.messaging.CreateChat(request, metadata=rpc.metadata, timeout=rpc.timeout)
    )


@router.get("/api/v1/orgs/{org_id}/chats/joinable", summary="Chats I may join by myself (R-CHAT-4)")
async def joinable_chats(org_id: str, rpc: RpcDep) -> Chats:
    reply = await rpc.clients.messaging.ListJoinableChats(
        pb.ListJoinableChatsRequest(organisation_id=org_id), metadata=rpc.metadata, timeout=rpc.timeout
    )
    return Chats(chats=[chat_out(c) for c in reply.chats])


@router.get(CHATS + "/{chat_id}", summary="A chat with its numbered rules (R-CHAT-5)")
async def get_chat(chat_id: str, rpc: RpcDep) -> ChatOut:
    reply = await rpc.clients.messaging.GetChat(
        pb.GetChatRequest(chat_id=chat_id), metadata=rpc.metadata, timeout=rpc.timeout
    )
    return chat_out(reply)


@router.post(CHATS + "/{chat_id}:join", summary="Join, acknowledging the rules (R-CHAT-4, R-CHAT-5)")
async def join_chat(chat_id: str, body: JoinIn, rpc: RpcDep) -> ChatOut:
    reply = await rpc.clients.messaging.JoinChat(
        pb.JoinChatRequest(chat_id=chat_id, rules_version=body.rules_version),
        metadata=rpc.metadata,
        timeout=rpc.timeout,
    )
    return chat_out(reply)


@router.get(CHATS + "/{chat_id}/members", summary="The chat's members (to its members, R-PRIV-1)")
async def chat_members(chat_id: str, rpc: RpcDep) -> ChatMembers:
    reply = await rpc.clients.messaging.ListChatMembers(
        pb.GetChatRequest(chat_id=chat_id), metadata=rpc.metadata, timeout=rpc.timeout
    )
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
async def invite(chat_id: str, body: InvitationsIn, rpc: RpcDep) -> Invitations:
    reply = await rpc.clients.messaging.InviteToChat(
        pb.InviteToChatRequest(chat_id=chat_id, user_ids=body.user_ids, whole_class=body.whole_class),
        metadata=rpc.metadata,
        timeout=rpc.timeout,
    )
    return Invitations(invitations=[invitation_out(i) for i in reply.invitations])


@router.get("/api/v1/me/chat-invitations", summary="My pending chat invitations")
async def my_invitations(rpc: RpcDep) -> Invitations:
    reply = await rpc.clients.messaging.ListMyChatInvitations(
        pb.ListMyChatInvitationsRequest(), metadata=rpc.metadata, timeout=rpc.timeout
    )
    return Invitations(invitations=[invitation_out(i) for i in reply.invitations])


@router.post(
    "/api/v1/chat-invitations/{invitation_id}:accept",
    summary="Accept, acknowledging the chat's rules (R-CHAT-4, R-CHAT-5)",
)
async def accept_invitation(invitation_id: str, body: JoinIn, rpc: RpcDep) -> ChatOut:
    reply = await rpc.clients.messaging.AcceptChatInvitation(
        pb.AcceptChatInvitationRequest(invitation_id=invitation_id, rules_version=body.rules_version),
        metadata=rpc.metadata,
        timeout=rpc.timeout,
    )
    return chat_out(reply)


@router.post("/api/v1/chat-invitations/{invitation_id}:decline", summary="Decline (R-CHAT-4)")
async def decline_invitation(invitation_id: str, rpc: RpcDep) -> InvitationOut:
    reply = await rpc.clients.messaging.DeclineChatInvitation(
        pb.DeclineChatInvitationRequest(invitation_id=invitation_id),
        metadata=rpc.metadata,
        timeout=rpc.timeout,
    )
    return invitation_out(reply)


# --- messages (R-CHAT-3, R-CHAT-7) ------------------------------------------------------------
@router.get(CHATS + "/{chat_id}/messages", summary="History by sequence: before/after a seq, or the newest")
async def list_messages(
    chat_id: str,
    rpc: RpcDep,
    before: int = Query(default=0, ge=0, le=MAX_SEQ),
    after: int = Query(default=0, ge=0, le=MAX_SEQ),
    limit: int = Query(default=50, ge=1, le=100),
) -> MessagePage:
    reply = await rpc.clients.messaging.ListMessages(
        pb.ListMessagesRequest(chat_id=chat_id, before=before, after=after, limit=limit),
        metadata=rpc.metadata,
        timeout=rpc.timeout,
    )
    return MessagePage(messages=[message_out(m) for m in reply.messages], has_more=reply.has_more)


@router.post(CHATS + "/{chat_id}/messages", status_code=201, summary="Post a text message (R-CHAT-3)")
async def post_message(chat_id: str, body: MessageIn, rpc: RpcDep) -> MessageOut:
    reply = await rpc.clients.messaging.PostMessage(
        pb.PostMessageRequest(
            chat_id=chat_id,
            text=body.text,
            reply_to_seq=body.reply_to_seq,
            attachment_ids=body.attachment_ids,
            client_id=body.client_id,
        ),
        metadata=rpc.metadata,
        timeout=rpc.timeout,
    )
    return message_out(reply)


@router.patch(CHATS + "/{chat_id}/messages/{seq}", summary="Edit my message")
async def edit_message(chat_id: str, seq: Seq, body: MessageEdit, rpc: RpcDep) -> MessageOut:
    reply = await rpc.clients.messaging.EditMessage(
        pb.EditMessageRequest(chat_id=chat_id, seq=seq, text=body.text),
        metadata=rpc.metadata,
        timeout=rpc.timeout,
    )
    return message_out(reply)


@router.delete(CHATS + "/{chat_id}/messages/{seq}", summary="Delete my message (a tombstone keeps its place)")
async def delete_message(chat_id: str, seq: Seq, rpc: RpcDep) -> MessageOut:
    reply = await rpc.clients.messaging.DeleteMessage(
        pb.DeleteMessageRequest(chat_id=chat_id, seq=seq), metadata=rpc.metadata, timeout=rpc.timeout
    )
    return message_out(reply)


@router.post(CHATS + "/{chat_id}:read", summary="Mark read up to a sequence number")
async def mark_read(chat_id: str, body: ReadIn, rpc: RpcDep) -> ReadStateOut:
    reply = await rpc.clients.messaging.MarkRead(
        pb.MarkReadRequest(chat_id=chat_id, seq=body.seq), metadata=rpc.metadata, timeout=rpc.timeout
    )
    return ReadStateOut(
        chat_id=reply.chat_id, last_read_seq=reply.last_read_seq, unread_count=reply.unread_count
    )
