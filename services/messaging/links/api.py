"""Messaging's gRPC service `parta.messaging.v1.ChatLinks` (R-CHAT-6): reads the request, asks
`joining.ChatLinks`, shapes the reply."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeAlias

from sqlalchemy import Row

from parta.messaging.v1 import links_pb2, links_pb2_grpc
from parta.messaging.v1 import messaging_pb2 as pb
from services.common.auth import current_principal
from services.common.convert import to_timestamp
from services.common.grpcserver import CLIENT_ADDRESS_KEY, metadata_value
from services.messaging.chats.parts import ChatView, kind_value
from services.messaging.links.joining import ChatLinks
from services.messaging.links.rules import link_refusal

Context: TypeAlias = Any  # grpc.aio.ServicerContext (grpcio ships no type hints)

SERVICE_NAME = "parta.messaging.v1.ChatLinks"
# A chat as the contract shows it to its caller (main passes chats' `convert.chat_pb`).
ShowChat: TypeAlias = Callable[[ChatView], pb.Chat]


def chat_link_pb(row: Row[Any]) -> links_pb2.ChatLink:
    return links_pb2.ChatLink(
        id=str(row.id),
        chat_id=str(row.chat_id),
        created_by=str(row.created_by),
        created_at=to_timestamp(row.created_at),
        expires_at=to_timestamp(row.expires_at),
        max_uses=row.max_uses or 0,
        uses=row.uses,
        revoked=row.revoked_at is not None,
        revoked_at=to_timestamp(row.revoked_at),
        active=link_refusal(row, datetime.now(UTC)) is None,
    )


def client_address(context: Context) -> str | None:
    return metadata_value(context, CLIENT_ADDRESS_KEY)


class LinksApi(links_pb2_grpc.ChatLinksServicer):
    def __init__(self, links: ChatLinks, show_chat: ShowChat) -> None:
        self._links = links
        self._show_chat = show_chat

    async def JoinByChatLink(self, request: links_pb2.JoinByChatLinkRequest, context: Context) -> pb.Chat:
        view = await self._links.join(
            current_principal(), request.token, request.rules_version, client_address(context)
        )
        return self._show_chat(view)

    async def CreateChatLink(
        self, request: links_pb2.CreateChatLinkRequest, context: Context
    ) -> links_pb2.CreatedChatLink:
        created = await self._links.create(
            current_principal(), request.chat_id, request.expires_in_days, request.max_uses
        )
        return links_pb2.CreatedChatLink(link=chat_link_pb(created.link), token=created.token)

    async def ListChatLinks(
        self, request: links_pb2.ListChatLinksRequest, context: Context
    ) -> links_pb2.ListChatLinksResponse:
        rows = await self._links.list(current_principal(), request.chat_id)
        return links_pb2.ListChatLinksResponse(links=[chat_link_pb(r) for r in rows])

    async def RevokeChatLink(
        self, request: links_pb2.RevokeChatLinkRequest, context: Context
    ) -> links_pb2.ChatLink:
        return chat_link_pb(await self._links.revoke(current_principal(), request.chat_id, request.link_id))

    async def RevokeAllChatLinks(
        self, request: links_pb2.ListChatLinksRequest, context: Context
    ) -> links_pb2.RevokeAllChatLinksResponse:
        return links_pb2.RevokeAllChatLinksResponse(
            revoked=await self._links.revoke_all(current_principal(), request.chat_id)
        )

    async def PreviewChatLink(
        self, request: links_pb2.ChatLinkTokenRequest, context: Context
    ) -> links_pb2.ChatLinkPreview:
        preview = await self._links.preview(current_principal(), request.token, client_address(context))
        chat = preview.chat
        return links_pb2.ChatLinkPreview(
            chat_id=str(chat.id),
            title=chat.title,
            kind=kind_value(chat.kind),
            organisation_id=str(chat.organisation_id),
            organisation_name=preview.organisation_name,
            rules_version=chat.rules_version,
            rules=list(chat.rules),
            expires_at=to_timestamp(preview.expires_at),
            member=preview.member,
            organisation_member=preview.organisation_member,
        )
