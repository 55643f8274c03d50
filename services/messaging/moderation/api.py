"""Messaging's gRPC service `parta.messaging.v1.Moderation` (R-MOD-1..5): reads the request, asks
`moderation.actions.Moderation`, shapes the reply."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TypeAlias

from sqlalchemy import Row

from parta.messaging.v1 import messaging_pb2 as pb
from parta.messaging.v1 import moderation_pb2, moderation_pb2_grpc
from services.common.auth import current_principal
from services.common.convert import to_timestamp
from services.messaging.chats.parts import Views
from services.messaging.moderation.actions import Moderation
from services.messaging.moderation.rules import block_active

Context: TypeAlias = Any  # grpc.aio.ServicerContext (grpcio ships no type hints)

SERVICE_NAME = "parta.messaging.v1.Moderation"


def violation_pb(row: Row[Any]) -> moderation_pb2.Violation:
    return moderation_pb2.Violation(
        id=str(row.id),
        chat_id=str(row.chat_id),
        user_id=str(row.user_id),
        rule=row.rule,
        rule_text=row.rule_text,
        comment=row.comment,
        recorded_by=str(row.recorded_by),
        created_at=to_timestamp(row.created_at),
    )


def block_pb(row: Row[Any]) -> moderation_pb2.ChatBlock:
    return moderation_pb2.ChatBlock(
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


def audit_pb(row: Row[Any]) -> moderation_pb2.AuditEntry:
    return moderation_pb2.AuditEntry(
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


class ModerationApi(moderation_pb2_grpc.ModerationServicer):
    def __init__(self, moderation: Moderation, views: Views) -> None:
        self._moderation = moderation
        self._views = views

    async def NameModerator(
        self, request: moderation_pb2.NameModeratorRequest, context: Context
    ) -> moderation_pb2.ChatModerator:
        row = await self._moderation.name_moderator(current_principal(), request.chat_id, request.user_id)
        return moderation_pb2.ChatModerator(
            chat_id=str(row.chat_id),
            user_id=str(row.user_id),
            named_by=str(row.named_by),
            named_at=to_timestamp(row.named_at),
        )

    async def RemoveMessage(
        self, request: moderation_pb2.RemoveMessageRequest, context: Context
    ) -> pb.ChatMessage:
        row = await self._moderation.remove_message(
            current_principal(), request.chat_id, request.seq, request.rule, request.reason
        )
        return await self._views.shared(row)

    async def RecordViolation(
        self, request: moderation_pb2.RecordViolationRequest, context: Context
    ) -> moderation_pb2.Violation:
        row = await self._moderation.record_violation(
            current_principal(), request.chat_id, request.user_id, request.rule, request.comment
        )
        return violation_pb(row)

    async def ListViolations(
        self, request: moderation_pb2.ListViolationsRequest, context: Context
    ) -> moderation_pb2.ListViolationsResponse:
        rows = await self._moderation.violations(current_principal(), request.chat_id, request.user_id)
        return moderation_pb2.ListViolationsResponse(violations=[violation_pb(r) for r in rows])

    async def BlockMember(
        self, request: moderation_pb2.BlockMemberRequest, context: Context
    ) -> moderation_pb2.ChatBlock:
        row = await self._moderation.block(
            current_principal(), request.chat_id, request.user_id, request.days, request.reason
        )
        return block_pb(row)

    async def LiftBlock(
        self, request: moderation_pb2.LiftBlockRequest, context: Context
    ) -> moderation_pb2.ChatBlock:
        row = await self._moderation.lift_block(
            current_principal(), request.chat_id, request.user_id, request.reason
        )
        return block_pb(row)

    async def ListBlocks(
        self, request: moderation_pb2.ListBlocksRequest, context: Context
    ) -> moderation_pb2.ListBlocksResponse:
        rows = await self._moderation.blocks(current_principal(), request.chat_id, request.user_id)
        return moderation_pb2.ListBlocksResponse(blocks=[block_pb(r) for r in rows])

    async def RemoveMember(
        self, request: moderation_pb2.RemoveMemberRequest, context: Context
    ) -> moderation_pb2.AuditEntry:
        row = await self._moderation.remove_member(
            current_principal(), request.chat_id, request.user_id, request.rule, request.reason
        )
        return audit_pb(row)

    async def ListAudit(
        self, request: moderation_pb2.ListAuditRequest, context: Context
    ) -> moderation_pb2.ListAuditResponse:
        page = await self._moderation.audit(
            current_principal(), request.chat_id, request.before, request.limit
        )
        return moderation_pb2.ListAuditResponse(
            entries=[audit_pb(r) for r in page.entries], next_before=page.next_before
        )
