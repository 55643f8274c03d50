"""The moderation part of messaging's gRPC service (R-MOD-1..5): reads the request, asks
`moderation.actions.Moderation`, shapes the reply."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TypeAlias

from sqlalchemy import Row

from parta.messaging.v1 import messaging_pb2 as pb
from services.common.auth import current_principal
from services.common.convert import to_timestamp
from services.messaging.chats.parts import Views
from services.messaging.moderation.actions import Moderation
from services.messaging.moderation.rules import block_active

Context: TypeAlias = Any  # grpc.aio.ServicerContext (grpcio ships no type hints)


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


class ModerationApi:
    def __init__(self, moderation: Moderation, views: Views) -> None:
        self._moderation = moderation
        self._views = views

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
        return await self._views.shared(row)

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
