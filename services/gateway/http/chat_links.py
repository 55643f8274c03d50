"""Chat invite links (R-CHAT-6): /api/v1/chats/{chat}/links for the chat's moderators and the
organisation's administrators; /api/v1/chat-links/{token} to preview and join (acknowledging the
rules, R-CHAT-5). The link handed out is `{PARTA_PUBLIC_URL}/chat-link/{token}`.
The routes with their request and response bodies."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from parta.messaging.v1 import links_pb2
from services.gateway.deps import BackendsDep
from services.gateway.http.common_models import ChatOut, JoinIn, chat_out, kind_name
from services.gateway.views import timestamp


class ChatLinkIn(BaseModel):
    expires_in_days: int = Field(default=0, ge=0, le=30, description="0: the default, 7 days; at most 30")
    max_uses: int = Field(default=0, ge=0, le=1000, description="0: no limit")


class ChatLinkOut(BaseModel):
    id: str
    chat_id: str
    created_by: str
    created_at: datetime | None
    expires_at: datetime | None
    max_uses: int | None = Field(description="null: no limit")
    uses: int
    revoked: bool
    revoked_at: datetime | None
    active: bool = Field(description="not revoked, not expired, not used up")


class CreatedChatLinkOut(BaseModel):
    link: ChatLinkOut
    token: str = Field(description="shown once; only its hash is kept")
    url: str = Field(description="the link to hand out")


class ChatLinks(BaseModel):
    links: list[ChatLinkOut]


class RevokedChatLinks(BaseModel):
    revoked: int


class ChatLinkPreviewOut(BaseModel):
    """What a link leads to; nothing about members."""

    chat_id: str
    title: str
    kind: str
    organisation_id: str
    organisation_name: str
    rules_version: int
    rules: list[str]
    expires_at: datetime | None
    member: bool = Field(description="I am already a member of the chat")
    organisation_member: bool = Field(description="I am a member of the chat's organisation (R-CHAT-6)")


router = APIRouter(tags=["chat links"])
LINKS = "/api/v1/chats/{chat_id}/links"
TOKEN = "/api/v1/chat-links/{token}"


def chat_link_path(token: str) -> str:
    """Where the web client shows a chat link (services/gateway/webclient/static/screens/chatlink.js)."""
    return f"/chat-link/{token}"


def link_out(link: links_pb2.ChatLink) -> ChatLinkOut:
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
    chat_id: str, body: ChatLinkIn, request: Request, backends: BackendsDep
) -> CreatedChatLinkOut:
    reply = await backends.chat_links.CreateChatLink(
        links_pb2.CreateChatLinkRequest(
            chat_id=chat_id, expires_in_days=body.expires_in_days, max_uses=body.max_uses
        )
    )
    public_url = request.app.state.settings.public_url or str(request.base_url)
    return CreatedChatLinkOut(
        link=link_out(reply.link),
        token=reply.token,
        url=public_url.rstrip("/") + chat_link_path(reply.token),
    )


@router.get(LINKS, summary="The chat's invite links, newest first, without tokens (R-CHAT-6)")
async def list_chat_links(chat_id: str, backends: BackendsDep) -> ChatLinks:
    reply = await backends.chat_links.ListChatLinks(links_pb2.ListChatLinksRequest(chat_id=chat_id))
    return ChatLinks(links=[link_out(link) for link in reply.links])


@router.delete(LINKS + "/{link_id}", summary="Revoke one chat invite link (R-CHAT-6)")
async def revoke_chat_link(chat_id: str, link_id: str, backends: BackendsDep) -> ChatLinkOut:
    reply = await backends.chat_links.RevokeChatLink(
        links_pb2.RevokeChatLinkRequest(chat_id=chat_id, link_id=link_id)
    )
    return link_out(reply)


@router.delete(LINKS, summary="Revoke every usable invite link of the chat at once (R-CHAT-6)")
async def revoke_all_chat_links(chat_id: str, backends: BackendsDep) -> RevokedChatLinks:
    reply = await backends.chat_links.RevokeAllChatLinks(links_pb2.ListChatLinksRequest(chat_id=chat_id))
    return RevokedChatLinks(revoked=reply.revoked)


@router.get(TOKEN, summary="What a chat link leads to: title, kind, organisation, rules; no members")
async def preview_chat_link(token: str, backends: BackendsDep) -> ChatLinkPreviewOut:
    reply = await backends.chat_links.PreviewChatLink(links_pb2.ChatLinkTokenRequest(token=token))
    return ChatLinkPreviewOut.model_validate(
        {
            "chat_id": reply.chat_id,
            "title": reply.title,
            "kind": kind_name(reply.kind),
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
async def join_by_chat_link(token: str, body: JoinIn, backends: BackendsDep) -> ChatOut:
    reply = await backends.chat_links.JoinByChatLink(
        links_pb2.JoinByChatLinkRequest(token=token, rules_version=body.rules_version)
    )
    return chat_out(reply)
