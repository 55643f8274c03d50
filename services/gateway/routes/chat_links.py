"""Chat invite links (R-CHAT-6): /api/v1/chats/{chat}/links for the chat's moderators and the
organisation's administrators; /api/v1/chat-links/{token} to preview and join (acknowledging the
rules, R-CHAT-5). The link handed out is `{PARTA_PUBLIC_URL}/chat-link/{token}`."""

from __future__ import annotations

from fastapi import APIRouter, Request

from parta.messaging.v1 import messaging_pb2 as pb
from services.gateway.chat_link_models import (
    ChatLinkIn,
    ChatLinkOut,
    ChatLinkPreviewOut,
    ChatLinks,
    CreatedChatLinkOut,
    RevokedChatLinks,
)
from services.gateway.chat_models import ChatOut, JoinIn
from services.gateway.deps import RpcDep, timestamp
from services.gateway.routes.chats import _kind_name, chat_out

router = APIRouter(tags=["chat links"])
LINKS = "/api/v1/chats/{chat_id}/links"
TOKEN = "/api/v1/chat-links/{token}"


def chat_link_path(token: str) -> str:
    """Where the web client shows a chat link (services/gateway/web/screens/chatlink.js)."""
    return f"/chat-link/{token}"


def link_out(link: pb.ChatLink) -> ChatLinkOut:
    return ChatLinkOut.model_validate(
        {
            "id": link.id,
            "chat_id": link.chat_id,
            "created_by": link.created_by,
            "created_at": timestamp(link.created_at),
            "expires_at": timestamp(link.expires_at),
            "max_uses": link.max_uses or None,
            "uses": link.uses,
            "revoked": link.revoked,
            "revoked_at": timestamp(link.revoked_at),
            "active": link.active,
        }
    )


@router.post(
    LINKS,
    status_code=201,
    summary="Make a chat invite link: expiry (default 7, at most 30 days), optional use limit (R-CHAT-6)",
)
async def create_chat_link(
    chat_id: str, body: ChatLinkIn, request: Request, rpc: RpcDep
) -> CreatedChatLinkOut:
    reply = await rpc.clients.messaging.CreateChatLink(
        pb.CreateChatLinkRequest(
            chat_id=chat_id, expires_in_days=body.expires_in_days, max_uses=body.max_uses
        ),
        metadata=rpc.metadata,
        timeout=rpc.timeout,
    )
    public_url = request.app.state.settings.public_url or str(request.base_url)
    return CreatedChatLinkOut(
        link=link_out(reply.link),
        token=reply.token,
        url=public_url.rstrip("/") + chat_link_path(reply.token),
    )


@router.get(LINKS, summary="The chat's invite links, newest first, without tokens (R-CHAT-6)")
async def list_chat_links(chat_id: str, rpc: RpcDep) -> ChatLinks:
    reply = await rpc.clients.messaging.ListChatLinks(
        pb.ListChatLinksRequest(chat_id=chat_id), metadata=rpc.metadata, timeout=rpc.timeout
    )
    return ChatLinks(links=[link_out(link) for link in reply.links])


@router.delete(LINKS + "/{link_id}", summary="Revoke one chat invite link (R-CHAT-6)")
async def revoke_chat_link(chat_id: str, link_id: str, rpc: RpcDep) -> ChatLinkOut:
    reply = await rpc.clients.messaging.RevokeChatLink(
        pb.RevokeChatLinkRequest(chat_id=chat_id, link_id=link_id), metadata=rpc.metadata, timeout=rpc.timeout
    )
    return link_out(reply)


@router.delete(LINKS, summary="Revoke every usable invite link of the chat at once (R-CHAT-6)")
async def revoke_all_chat_links(chat_id: str, rpc: RpcDep) -> RevokedChatLinks:
    reply = await rpc.clients.messaging.RevokeAllChatLinks(
        pb.ListChatLinksRequest(chat_id=chat_id), metadata=rpc.metadata, timeout=rpc.timeout
    )
    return RevokedChatLinks(revoked=reply.revoked)


@router.get(TOKEN, summary="What a chat link leads to: title, kind, organisation, rules; no members")
async def preview_chat_link(token: str, rpc: RpcDep) -> ChatLinkPreviewOut:
    reply = await rpc.clients.messaging.PreviewChatLink(
        pb.ChatLinkTokenRequest(token=token), metadata=rpc.metadata, timeout=rpc.timeout
    )
    return ChatLinkPreviewOut.model_validate(
        {
            "chat_id": reply.chat_id,
            "title": reply.title,
            "kind": _kind_name(reply.kind),
            "organisation_id": reply.organisation_id,
            "organisation_name": reply.organisation_name,
            "rules_version": reply.rules_version,
            "rules": list(reply.rules),
            "expires_at": timestamp(reply.expires_at),
            "member": reply.member,
            "organisation_member": reply.organisation_member,
        }
    )


@router.post(
    TOKEN + "/join",
    summary="Join the chat through a link, acknowledging its rules (R-CHAT-4, R-CHAT-5, R-CHAT-6)",
)
async def join_by_chat_link(token: str, body: JoinIn, rpc: RpcDep) -> ChatOut:
    reply = await rpc.clients.messaging.JoinByChatLink(
        pb.JoinByChatLinkRequest(token=token, rules_version=body.rules_version),
        metadata=rpc.metadata,
        timeout=rpc.timeout,
    )
    return chat_out(reply)
