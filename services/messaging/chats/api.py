"""Messaging's gRPC servicer: reads the request, asks the domain, shapes the reply. No rules here."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TypeAlias

from sqlalchemy import Row

from parta.messaging.v1 import messaging_pb2 as pb
from parta.messaging.v1 import messaging_pb2_grpc
from services.common.auth import current_principal
from services.common.convert import to_timestamp
from services.messaging.attachments.api import AttachmentServicer
from services.messaging.attachments.files import Attachments
from services.messaging.chats.convert import attachment_pb, kind_name, kind_value, message_pb
from services.messaging.chats.membership import Chats, ChatView, MessagePreview, NewChat
from services.messaging.chats.messages import Messages
from services.messaging.links.joining import ChatLinks
from services.messaging.moderation.actions import Moderation
from services.messaging.moderation.rules import block_active
from services.messaging.polls.api import PollServicer
from services.messaging.polls.voting import Polls
from services.messaging.search.api import SearchLinksServicer, client_address
from services.messaging.search.query import Search

Context: TypeAlias = Any  # grpc.aio.ServicerContext (grpcio ships no type hints)

SERVICE_NAME = "parta.messaging.v1.Messaging"


def chat_pb(view: ChatView) -> pb.Chat:
    chat = view.chat
    return pb.Chat(
        id=str(chat.id),
        organisation_id=str(chat.organisation_id),
        kind=kind_value(chat.kind),
        title=chat.title,
        class_id=str(chat.class_id or ""),
        subject=chat.subject,
        system_kind=chat.system_kind or "",
        staff_only=chat.staff_only,
        created_by=str(chat.created_by or ""),
        rules_version=chat.rules_version,
        rules=list(chat.rules),
        last_seq=chat.last_seq,
        member=view.member,
        last_read_seq=view.last_read_seq,
        unread_count=view.unread,
        may_post=view.may_post,
        member_count=view.member_count,
        created_at=to_timestamp(chat.created_at),
        last_message=preview_pb(view.last_message),
    )


def preview_pb(preview: MessagePreview | None) -> pb.MessagePreview | None:
    if preview is None:
        return None
    return pb.MessagePreview(
        seq=preview.seq,
        author_id=str(preview.author_id),
        text=preview.text,
        created_at=to_timestamp(preview.created_at),
        deleted=preview.deleted,
        has_attachments=preview.has_attachments,
        is_poll=preview.is_poll,
    )


def invitation_pb(row: Row[Any]) -> pb.ChatInvitation:
    return pb.ChatInvitation(
        id=str(row.id),
        chat_id=str(row.chat_id),
        organisation_id=str(row.organisation_id),
        user_id=str(row.user_id),
        invited_by=str(row.invited_by),
        status=row.status,
        chat_title=row.title,
        created_at=to_timestamp(row.created_at),
    )


def violation_pb(row: Row[Any]) -> pb.Violation:
    return pb.Violation(
        id=str(row.id),
        chat_id=str(row.chat_id),
        user_id=str(row.user_id),
        rule=row.rule,
        rule_text=row.rule_text,
        comment=row.comment,
        recorded_by=str(row.recorded_by),
        created_at=to_timestamp(row.created_at),
    )


def block_pb(row: Row[Any]) -> pb.ChatBlock:
    return pb.ChatBlock(
        id=str(row.id),
        chat_id=str(row.chat_id),
        user_id=str(row.user_id),
        blocked_by=str(row.blocked_by),
        reason=row.reason,
        starts_at=to_timestamp(row.starts_at),
        ends_at=to_timestamp(row.ends_at),
        lifted_at=to_timestamp(row.lifted_at),
        lifted_by=str(row.lifted_by or ""),
        lift_reason=row.lift_reason or "",
        active=block_active(row.ends_at, row.lifted_at, datetime.now(UTC)),
    )


def audit_pb(row: Row[Any]) -> pb.AuditEntry:
    return pb.AuditEntry(
        id=row.id,
        chat_id=str(row.chat_id),
        actor_id=str(row.actor_id),
        action=row.action,
        target_user_id=str(row.target_user_id or ""),
        message_seq=row.message_seq or 0,
        rule=row.rule or 0,
        reason=row.reason,
        block_ends_at=to_timestamp(row.block_ends_at),
        created_at=to_timestamp(row.created_at),
    )


class MessagingServicer(
    AttachmentServicer, PollServicer, SearchLinksServicer, messaging_pb2_grpc.MessagingServicer
):
    def __init__(
        self,
        chats: Chats,
        messages: Messages,
        moderation: Moderation,
        *,
        polls: Polls,
        search: Search,
        links: ChatLinks,
        attachments: Attachments,
    ) -> None:
        self._attachments = attachments
        self._polls = polls
        self._search = search
        self._links = links
        self._chats = chats
        self._messages = messages
        self._moderation = moderation

    async def CreateChat(self, request: pb.CreateChatRequest, context: Context) -> pb.Chat:
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

    async def ListMyChats(self, request: pb.ListMyChatsRequest, context: Context) -> pb.ListChatsResponse:
        views = await self._chats.mine(current_principal(), request.organisation_id)
        return pb.ListChatsResponse(chats=[chat_pb(v) for v in views])

    async def ListJoinableChats(
        self, request: pb.ListJoinableChatsRequest, context: Context
    ) -> pb.ListChatsResponse:
        views = await self._chats.joinable(current_principal(), request.organisation_id)
        return pb.ListChatsResponse(chats=[chat_pb(v) for v in views])

    async def GetChat(self, request: pb.GetChatRequest, context: Context) -> pb.Chat:
        return chat_pb(await self._chats.get(current_principal(), request.chat_id))

    async def JoinChat(self, request: pb.JoinChatRequest, context: Context) -> pb.Chat:
        return chat_pb(await self._chats.join(current_principal(), request.chat_id, request.rules_version))

    async def JoinByChatLink(self, request: pb.JoinByChatLinkRequest, context: Context) -> pb.Chat:
        """R-CHAT-6 (search_links_api.py has the rest of the links' calls)."""
        view = await self._links.join(
            current_principal(), request.token, request.rules_version, client_address(context)
        )
        return chat_pb(view)

    async def ListChatMembers(
        self, request: pb.GetChatRequest, context: Context
    ) -> pb.ListChatMembersResponse:
        rows = await self._chats.members(current_principal(), request.chat_id)
        return pb.ListChatMembersResponse(
            members=[
                pb.ChatMember(
                    user_id=str(r.user_id), rules_version=r.rules_version, joined_at=to_timestamp(r.joined_at)
                )
                for r in rows
            ]
        )

    async def InviteToChat(
        self, request: pb.InviteToChatRequest, context: Context
    ) -> pb.InviteToChatResponse:
        rows = await self._chats.invite(
            current_principal(), request.chat_id, list(request.user_ids), request.whole_class
        )
        return pb.InviteToChatResponse(invitations=[invitation_pb(r) for r in rows])

    async def ListMyChatInvitations(
        self, request: pb.ListMyChatInvitationsRequest, context: Context
    ) -> pb.ListChatInvitationsResponse:
        rows = await self._chats.my_invitations(current_principal())
        return pb.ListChatInvitationsResponse(invitations=[invitation_pb(r) for r in rows])

    async def AcceptChatInvitation(
        self, request: pb.AcceptChatInvitationRequest, context: Context
    ) -> pb.Chat:
        view = await self._chats.accept(current_principal(), request.invitation_id, request.rules_version)
        return chat_pb(view)

    async def DeclineChatInvitation(
        self, request: pb.DeclineChatInvitationRequest, context: Context
    ) -> pb.ChatInvitation:
        return invitation_pb(await self._chats.decline(current_principal(), request.invitation_id))

    async def PostMessage(self, request: pb.PostMessageRequest, context: Context) -> pb.ChatMessage:
        posted = await self._messages.post(
            current_principal(),
            request.chat_id,
            request.text,
            request.reply_to_seq,
            attachment_ids=list(request.attachment_ids),
            client_id=request.client_id,
        )
        reply = message_pb(posted.row)
        reply.attachments.extend(attachment_pb(a) for a in posted.attachments)
        return reply

    async def ListMessages(
        self, request: pb.ListMessagesRequest, context: Context
    ) -> pb.ListMessagesResponse:
        page = await self._messages.history(
            current_principal(), request.chat_id, request.before, request.after, request.limit
        )
        replies = [message_pb(r) for r in page.messages]
        await self._polls.decorate(current_principal(), request.chat_id, replies)  # polls, "seen by"
        await self._attachments.decorate(replies)
        return pb.ListMessagesResponse(messages=replies, has_more=page.has_more)

    async def EditMessage(self, request: pb.EditMessageRequest, context: Context) -> pb.ChatMessage:
        reply = message_pb(
            await self._messages.edit(current_principal(), request.chat_id, request.seq, request.text)
        )
        await self._attachments.decorate([reply])
        return reply

    async def DeleteMessage(self, request: pb.DeleteMessageRequest, context: Context) -> pb.ChatMessage:
        return message_pb(await self._messages.delete(current_principal(), request.chat_id, request.seq))

    async def MarkRead(self, request: pb.MarkReadRequest, context: Context) -> pb.ReadState:
        mark = await self._messages.mark_read(current_principal(), request.chat_id, request.seq)
        return pb.ReadState(
            chat_id=str(mark.chat_id), last_read_seq=mark.last_read_seq, unread_count=mark.unread
        )

    # --- moderation (R-MOD-1..5) -----------------------------------------------------------------
    async def NameModerator(self, request: pb.NameModeratorRequest, context: Context) -> pb.ChatModerator:
        row = await self._moderation.name_moderator(current_principal(), request.chat_id, request.user_id)
        return pb.ChatModerator(
            chat_id=str(row.chat_id),
            user_id=str(row.user_id),
            named_by=str(row.named_by),
            named_at=to_timestamp(row.named_at),
        )

    async def RemoveMessage(self, request: pb.RemoveMessageRequest, context: Context) -> pb.ChatMessage:
        row = await self._moderation.remove_message(
            current_principal(), request.chat_id, request.seq, request.rule, request.reason
        )
        return message_pb(row)

    async def RecordViolation(self, request: pb.RecordViolationRequest, context: Context) -> pb.Violation:
        row = await self._moderation.record_violation(
            current_principal(), request.chat_id, request.user_id, request.rule, request.comment
        )
        return violation_pb(row)

    async def ListViolations(
        self, request: pb.ListViolationsRequest, context: Context
    ) -> pb.ListViolationsResponse:
        rows = await self._moderation.violations(current_principal(), request.chat_id, request.user_id)
        return pb.ListViolationsResponse(violations=[violation_pb(r) for r in rows])

    async def BlockMember(self, request: pb.BlockMemberRequest, context: Context) -> pb.ChatBlock:
        row = await self._moderation.block(
            current_principal(), request.chat_id, request.user_id, request.days, request.reason
        )
        return block_pb(row)

    async def LiftBlock(self, request: pb.LiftBlockRequest, context: Context) -> pb.ChatBlock:
        row = await self._moderation.lift_block(
            current_principal(), request.chat_id, request.user_id, request.reason
        )
        return block_pb(row)

    async def ListBlocks(self, request: pb.ListBlocksRequest, context: Context) -> pb.ListBlocksResponse:
        rows = await self._moderation.blocks(current_principal(), request.chat_id, request.user_id)
        return pb.ListBlocksResponse(blocks=[block_pb(r) for r in rows])

    async def RemoveMember(self, request: pb.RemoveMemberRequest, context: Context) -> pb.AuditEntry:
        row = await self._moderation.remove_member(
            current_principal(), request.chat_id, request.user_id, request.rule, request.reason
        )
        return audit_pb(row)

    async def ListAudit(self, request: pb.ListAuditRequest, context: Context) -> pb.ListAuditResponse:
        page = await self._moderation.audit(
            current_principal(), request.chat_id, request.before, request.limit
        )
        return pb.ListAuditResponse(entries=[audit_pb(r) for r in page.entries], next_before=page.next_before)
