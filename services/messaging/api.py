"""Messaging's gRPC service `parta.messaging.v1.Messaging`: each call handed to the api class of its
feature (chats, moderation, polls, attachments, links, search). Until the contract is split per
feature, this is where the features' calls meet; nothing else is here."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, TypeAlias

from parta.messaging.v1 import messaging_pb2 as pb
from parta.messaging.v1 import messaging_pb2_grpc
from services.messaging.attachments.api import AttachmentsApi
from services.messaging.chats.api import ChatsApi
from services.messaging.links.api import LinksApi
from services.messaging.moderation.api import ModerationApi
from services.messaging.polls.api import PollsApi
from services.messaging.search.api import SearchApi

Context: TypeAlias = Any  # grpc.aio.ServicerContext (grpcio ships no type hints)

SERVICE_NAME = "parta.messaging.v1.Messaging"


class MessagingServicer(messaging_pb2_grpc.MessagingServicer):
    def __init__(
        self,
        chats: ChatsApi,
        moderation: ModerationApi,
        polls: PollsApi,
        attachments: AttachmentsApi,
        links: LinksApi,
        search: SearchApi,
    ) -> None:
        self._chats = chats
        self._moderation = moderation
        self._polls = polls
        self._attachments = attachments
        self._links = links
        self._search = search

    # --- chats ---
    async def CreateChat(self, request: pb.CreateChatRequest, context: Context) -> pb.Chat:
        return await self._chats.CreateChat(request, context)

    async def ListMyChats(self, request: pb.ListMyChatsRequest, context: Context) -> pb.ListChatsResponse:
        return await self._chats.ListMyChats(request, context)

    async def ListJoinableChats(
        self, request: pb.ListJoinableChatsRequest, context: Context
    ) -> pb.ListChatsResponse:
        return await self._chats.ListJoinableChats(request, context)

    async def GetChat(self, request: pb.GetChatRequest, context: Context) -> pb.Chat:
        return await self._chats.GetChat(request, context)

    async def JoinChat(self, request: pb.JoinChatRequest, context: Context) -> pb.Chat:
        return await self._chats.JoinChat(request, context)

    async def ListChatMembers(
        self, request: pb.GetChatRequest, context: Context
    ) -> pb.ListChatMembersResponse:
        return await self._chats.ListChatMembers(request, context)

    async def InviteToChat(
        self, request: pb.InviteToChatRequest, context: Context
    ) -> pb.InviteToChatResponse:
        return await self._chats.InviteToChat(request, context)

    async def ListMyChatInvitations(
        self, request: pb.ListMyChatInvitationsRequest, context: Context
    ) -> pb.ListChatInvitationsResponse:
        return await self._chats.ListMyChatInvitations(request, context)

    async def AcceptChatInvitation(
        self, request: pb.AcceptChatInvitationRequest, context: Context
    ) -> pb.Chat:
        return await self._chats.AcceptChatInvitation(request, context)

    async def DeclineChatInvitation(
        self, request: pb.DeclineChatInvitationRequest, context: Context
    ) -> pb.ChatInvitation:
        return await self._chats.DeclineChatInvitation(request, context)

    async def PostMessage(self, request: pb.PostMessageRequest, context: Context) -> pb.ChatMessage:
        return await self._chats.PostMessage(request, context)

    async def ListMessages(
        self, request: pb.ListMessagesRequest, context: Context
    ) -> pb.ListMessagesResponse:
        return await self._chats.ListMessages(request, context)

    async def EditMessage(self, request: pb.EditMessageRequest, context: Context) -> pb.ChatMessage:
        return await self._chats.EditMessage(request, context)

    async def DeleteMessage(self, request: pb.DeleteMessageRequest, context: Context) -> pb.ChatMessage:
        return await self._chats.DeleteMessage(request, context)

    async def MarkRead(self, request: pb.MarkReadRequest, context: Context) -> pb.ReadState:
        return await self._chats.MarkRead(request, context)

    # --- moderation ---
    async def NameModerator(self, request: pb.NameModeratorRequest, context: Context) -> pb.ChatModerator:
        return await self._moderation.NameModerator(request, context)

    async def RemoveMessage(self, request: pb.RemoveMessageRequest, context: Context) -> pb.ChatMessage:
        return await self._moderation.RemoveMessage(request, context)

    async def RecordViolation(self, request: pb.RecordViolationRequest, context: Context) -> pb.Violation:
        return await self._moderation.RecordViolation(request, context)

    async def ListViolations(
        self, request: pb.ListViolationsRequest, context: Context
    ) -> pb.ListViolationsResponse:
        return await self._moderation.ListViolations(request, context)

    async def BlockMember(self, request: pb.BlockMemberRequest, context: Context) -> pb.ChatBlock:
        return await self._moderation.BlockMember(request, context)

    async def LiftBlock(self, request: pb.LiftBlockRequest, context: Context) -> pb.ChatBlock:
        return await self._moderation.LiftBlock(request, context)

    async def ListBlocks(self, request: pb.ListBlocksRequest, context: Context) -> pb.ListBlocksResponse:
        return await self._moderation.ListBlocks(request, context)

    async def RemoveMember(self, request: pb.RemoveMemberRequest, context: Context) -> pb.AuditEntry:
        return await self._moderation.RemoveMember(request, context)

    async def ListAudit(self, request: pb.ListAuditRequest, context: Context) -> pb.ListAuditResponse:
        return await self._moderation.ListAudit(request, context)

    # --- polls ---
    async def CreatePoll(self, request: pb.CreatePollRequest, context: Context) -> pb.ChatMessage:
        return await self._polls.CreatePoll(request, context)

    async def Vote(self, request: pb.VoteRequest, context: Context) -> pb.ChatMessage:
        return await self._polls.Vote(request, context)

    async def RetractVote(self, request: pb.PollRequest, context: Context) -> pb.ChatMessage:
        return await self._polls.RetractVote(request, context)

    async def ClosePoll(self, request: pb.PollRequest, context: Context) -> pb.ChatMessage:
        return await self._polls.ClosePoll(request, context)

    async def ListPollVoters(self, request: pb.PollRequest, context: Context) -> pb.ListPollVotersResponse:
        return await self._polls.ListPollVoters(request, context)

    # --- attachments ---
    async def UploadAttachment(
        self, request_iterator: AsyncIterator[pb.UploadAttachmentChunk], context: Context
    ) -> pb.Attachment:
        return await self._attachments.UploadAttachment(request_iterator, context)

    async def DownloadAttachment(
        self, request: pb.DownloadAttachmentRequest, context: Context
    ) -> AsyncIterator[pb.DownloadAttachmentChunk]:
        async for item in self._attachments.DownloadAttachment(request, context):
            yield item

    # --- links ---
    async def JoinByChatLink(self, request: pb.JoinByChatLinkRequest, context: Context) -> pb.Chat:
        return await self._links.JoinByChatLink(request, context)

    async def CreateChatLink(self, request: pb.CreateChatLinkRequest, context: Context) -> pb.CreatedChatLink:
        return await self._links.CreateChatLink(request, context)

    async def ListChatLinks(
        self, request: pb.ListChatLinksRequest, context: Context
    ) -> pb.ListChatLinksResponse:
        return await self._links.ListChatLinks(request, context)

    async def RevokeChatLink(self, request: pb.RevokeChatLinkRequest, context: Context) -> pb.ChatLink:
        return await self._links.RevokeChatLink(request, context)

    async def RevokeAllChatLinks(
        self, request: pb.ListChatLinksRequest, context: Context
    ) -> pb.RevokeAllChatLinksResponse:
        return await self._links.RevokeAllChatLinks(request, context)

    async def PreviewChatLink(self, request: pb.ChatLinkTokenRequest, context: Context) -> pb.ChatLinkPreview:
        return await self._links.PreviewChatLink(request, context)

    # --- search ---
    async def SearchMessages(
        self, request: pb.SearchMessagesRequest, context: Context
    ) -> pb.SearchMessagesResponse:
        return await self._search.SearchMessages(request, context)
