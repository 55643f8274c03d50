"""Messaging's gRPC service `parta.messaging.v1.Chats`: chats, membership, invitations, messages and read
state. Reads the request, asks the domain (`membership.Chats`, `messages.Messages`), shapes the reply
(`convert`, `views`). No rules here."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeAlias

from parta.messaging.v1 import chats_pb2, chats_pb2_grpc
from parta.messaging.v1 import messaging_pb2 as pb
from services.common.auth import current_principal
from services.common.convert import to_timestamp
from services.messaging.chats.convert import chat_pb, invitation_pb, kind_name
from services.messaging.chats.membership import Chats, NewChat
from services.messaging.chats.messages import Messages
from services.messaging.chats.parts import ChatPart, PostPart, kind_value
from services.messaging.chats.views import MessageViews

Context: TypeAlias = Any  # grpc.aio.ServicerContext (grpcio ships no type hints)

SERVICE_NAME = "parta.messaging.v1.Chats"

# The part a post with these attachment ids carries (attachments/views.py `Attach`, wired by main).
AttachParts = Callable[[Sequence[str]], Sequence[PostPart]]


class ChatsApi(chats_pb2_grpc.ChatsServicer):
    def __init__(
        self,
        chats: Chats,
        messages: Messages,
        views: MessageViews,
        attach: AttachParts,
        chat_parts: Sequence[ChatPart] = (),
    ) -> None:
        self._chats = chats
        self._messages = messages
        self._views = views
        self._attach = attach
        # What other features add to a chat in GetChat and ListMyChats (calls: the call in progress).
        self._chat_parts = chat_parts

    async def _with_parts(self, chats: Sequence[pb.Chat]) -> None:
        for part in self._chat_parts:
            await part.add(chats)

    async def CreateChat(self, request: chats_pb2.CreateChatRequest, context: Context) -> pb.Chat:
        new = NewChat(
            organisation_id=request.organisation_id,
            kind=kind_name(request.kind),
            title=request.title,
            class_id=request.class_id,
            subject=request.subject,
            staff_only=request.staff_only,
            rules=tuple(request.rules),
        )
        return chat_pb(await self._chats.create(current_principal(), new))

    async def ListMyChats(
        self, request: chats_pb2.ListMyChatsRequest, context: Context
    ) -> chats_pb2.ListChatsResponse:
        views = await self._chats.mine(current_principal(), request.organisation_id)
        chats = [chat_pb(v) for v in views]
        await self._with_parts(chats)
        return chats_pb2.ListChatsResponse(chats=chats)

    async def ListJoinableChats(
        self, request: chats_pb2.ListJoinableChatsRequest, context: Context
    ) -> chats_pb2.ListChatsResponse:
        views = await self._chats.joinable(current_principal(), request.organisation_id)
        return chats_pb2.ListChatsResponse(chats=[chat_pb(v) for v in views])

    async def GetChat(self, request: chats_pb2.GetChatRequest, context: Context) -> pb.Chat:
        chat = chat_pb(await self._chats.get(current_principal(), request.chat_id))
        await self._with_parts([chat])
        return chat

    async def GetChatAccess(
        self, request: chats_pb2.GetChatRequest, context: Context
    ) -> chats_pb2.ChatAccess:
        rights = await self._chats.rights(current_principal(), request.chat_id)
        return chats_pb2.ChatAccess(
            chat_id=str(rights.chat.id),
            organisation_id=str(rights.chat.organisation_id),
            kind=kind_value(rights.chat.kind),
            may_read=rights.may_read,
            may_post=rights.may_post,
            blocked=rights.blocked,
            may_moderate=rights.may_moderate,
        )

    async def JoinChat(self, request: chats_pb2.JoinChatRequest, context: Context) -> pb.Chat:
        return chat_pb(await self._chats.join(current_principal(), request.chat_id, request.rules_version))

    async def ListChatMembers(
        self, request: chats_pb2.GetChatRequest, context: Context
    ) -> chats_pb2.ListChatMembersResponse:
        rows = await self._chats.members(current_principal(), request.chat_id)
        return chats_pb2.ListChatMembersResponse(
            members=[
                chats_pb2.ChatMember(
                    user_id=str(r.user_id), rules_version=r.rules_version, joined_at=to_timestamp(r.joined_at)
                )
                for r in rows
            ]
        )

    async def InviteToChat(
        self, request: chats_pb2.InviteToChatRequest, context: Context
    ) -> chats_pb2.InviteToChatResponse:
        rows = await self._chats.invite(
            current_principal(), request.chat_id, list(request.user_ids), request.whole_class
        )
        return chats_pb2.InviteToChatResponse(invitations=[invitation_pb(r) for r in rows])

    async def ListMyChatInvitations(
        self, request: chats_pb2.ListMyChatInvitationsRequest, context: Context
    ) -> chats_pb2.ListChatInvitationsResponse:
        rows = await self._chats.my_invitations(current_principal())
        return chats_pb2.ListChatInvitationsResponse(invitations=[invitation_pb(r) for r in rows])

    async def AcceptChatInvitation(
        self, request: chats_pb2.AcceptChatInvitationRequest, context: Context
    ) -> pb.Chat:
        view = await self._chats.accept(current_principal(), request.invitation_id, request.rules_version)
        return chat_pb(view)

    async def DeclineChatInvitation(
        self, request: chats_pb2.DeclineChatInvitationRequest, context: Context
    ) -> chats_pb2.ChatInvitation:
        return invitation_pb(await self._chats.decline(current_principal(), request.invitation_id))

    async def PostMessage(self, request: chats_pb2.PostMessageRequest, context: Context) -> pb.ChatMessage:
        posted = await self._messages.post(
            current_principal(),
            request.chat_id,
            request.text,
            request.reply_to_seq,
            parts=self._attach(list(request.attachment_ids)),
            client_id=request.client_id,
        )
        return await self._views.of_posted(posted)

    async def ListMessages(
        self, request: chats_pb2.ListMessagesRequest, context: Context
    ) -> chats_pb2.ListMessagesResponse:
        page = await self._messages.history(
            current_principal(), request.chat_id, request.before, request.after, request.limit
        )
        replies = await self._views.read(page.reader, page.messages)
        return chats_pb2.ListMessagesResponse(messages=replies, has_more=page.has_more)

    async def EditMessage(self, request: chats_pb2.EditMessageRequest, context: Context) -> pb.ChatMessage:
        row = await self._messages.edit(current_principal(), request.chat_id, request.seq, request.text)
        return await self._views.shared(row)

    async def DeleteMessage(
        self, request: chats_pb2.DeleteMessageRequest, context: Context
    ) -> pb.ChatMessage:
        row = await self._messages.delete(current_principal(), request.chat_id, request.seq)
        return await self._views.shared(row)

    async def MarkRead(self, request: chats_pb2.MarkReadRequest, context: Context) -> chats_pb2.ReadState:
        mark = await self._messages.mark_read(current_principal(), request.chat_id, request.seq)
        return chats_pb2.ReadState(
            chat_id=str(mark.chat_id), last_read_seq=mark.last_read_seq, unread_count=mark.unread
        )
