"""Chat moderation: /api/v1/chats/{chat_id}/… (R-MOD-1..5). The messaging service decides who may;
these routes only translate.
The routes with their request and response bodies."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from parta.messaging.v1 import moderation_pb2
from services.gateway.deps import BackendsDep
from services.gateway.http.common_models import MAX_INT32, MAX_SEQ, Seq
from services.gateway.views import timestamp


class ModeratorIn(BaseModel):
    """R-MOD-1: a staff member of the chat to name moderator."""

    user_id: str = Field(max_length=64)


class ModeratorOut(BaseModel):
    chat_id: str
    user_id: str
    named_by: str
    named_at: datetime | None


class CitedRuleIn(BaseModel):
    """R-MOD-5: the number of the chat's rule that was broken, and why (both required)."""

    rule: int = Field(ge=1, le=MAX_INT32, description="1-based number of the chat's current rules")
    reason: str = Field(min_length=1, max_length=1000)


class RemovedMessageOut(BaseModel):
    """A moderator's tombstone: the text is gone, who deleted it and why stay (R-MOD-1)."""

    chat_id: str
    seq: int
    author_id: str
    deleted: bool
    deleted_by: str | None
    delete_rule: int | None
    delete_reason: str | None


class ViolationIn(BaseModel):
    """R-MOD-2: a violation against a member, citing a rule of the chat."""

    user_id: str = Field(max_length=64)
    rule: int = Field(ge=1, le=MAX_INT32)
    comment: str = Field(default="", max_length=1000)


class ViolationOut(BaseModel):
    id: str
    chat_id: str
    user_id: str
    rule: int
    rule_text: str = Field(description="the rule as it read when recorded: the member's reminder")
    comment: str
    recorded_by: str
    created_at: datetime | None


class Violations(BaseModel):
    violations: list[ViolationOut]


class BlockIn(BaseModel):
    """R-MOD-3: allowed only after more than three recorded violations, for at most 30 days
    (a longer block is refused by the rule, 409 R-MOD-3, not by validation)."""

    user_id: str = Field(max_length=64)
    days: int = Field(ge=1, le=3650)
    reason: str = Field(min_length=1, max_length=1000)


class LiftIn(BaseModel):
    """R-MOD-4: why the block ends early (the member apologised, nobody objects)."""

    reason: str = Field(min_length=1, max_length=1000)


class BlockOut(BaseModel):
    id: str
    chat_id: str
    user_id: str
    blocked_by: str
    reason: str
    starts_at: datetime | None
    ends_at: datetime | None
    lifted_at: datetime | None
    lifted_by: str | None
    lift_reason: str | None
    active: bool


class Blocks(BaseModel):
    blocks: list[BlockOut]


class AuditEntryOut(BaseModel):
    id: int
    chat_id: str
    actor_id: str
    action: str
    target_user_id: str | None
    message_seq: int | None
    rule: int | None
    reason: str
    block_ends_at: datetime | None
    created_at: datetime | None


class AuditPage(BaseModel):
    entries: list[AuditEntryOut]
    next_before: int | None = Field(description="pass as `before` for the next page; null: no more")


router = APIRouter(tags=["moderation"])
CHAT = "/api/v1/chats/{chat_id}"


def violation_out(reply: moderation_pb2.Violation) -> ViolationOut:
    return ViolationOut.model_validate(
        {
            "id": reply.id,
            "chat_id": reply.chat_id,
            "user_id": reply.user_id,
            "rule": reply.rule,
            "rule_text": reply.rule_text,
            "comment": reply.comment,
            "recorded_by": reply.recorded_by,
            "created_at": timestamp(reply.created_at),
        }
    )


def block_out(reply: moderation_pb2.ChatBlock) -> BlockOut:
    return BlockOut.model_validate(
        {
            "id": reply.id,
            "chat_id": reply.chat_id,
            "user_id": reply.user_id,
            "blocked_by": reply.blocked_by,
            "reason": reply.reason,
            "starts_at": timestamp(reply.starts_at),
            "ends_at": timestamp(reply.ends_at),
            "lifted_at": timestamp(reply.lifted_at),
            "lifted_by": reply.lifted_by or None,
            "lift_reason": reply.lift_reason or None,
            "active": reply.active,
        }
    )


def audit_out(reply: moderation_pb2.AuditEntry) -> AuditEntryOut:
    return AuditEntryOut.model_validate(
        {
            "id": reply.id,
            "chat_id": reply.chat_id,
            "actor_id": reply.actor_id,
            "action": reply.action,
            "target_user_id": reply.target_user_id or None,
            "message_seq": reply.message_seq or None,
            "rule": reply.rule or None,
            "reason": reply.reason,
            "block_ends_at": timestamp(reply.block_ends_at),
            "created_at": timestamp(reply.created_at),
        }
    )


@router.post(CHAT + "/moderators", summary="Name a staff member of the chat moderator (R-MOD-1)")
async def name_moderator(chat_id: str, body: ModeratorIn, backends: BackendsDep) -> ModeratorOut:
    reply = await backends.moderation.NameModerator(
        moderation_pb2.NameModeratorRequest(chat_id=chat_id, user_id=body.user_id)
    )
    return ModeratorOut(
        chat_id=reply.chat_id,
        user_id=reply.user_id,
        named_by=reply.named_by,
        named_at=timestamp(reply.named_at),
    )


@router.post(
    CHAT + "/messages/{seq}:remove",
    summary="A moderator deletes a message citing a rule; the tombstone keeps who and why (R-MOD-1)",
)
async def remove_message(
    chat_id: str, seq: Seq, body: CitedRuleIn, backends: BackendsDep
) -> RemovedMessageOut:
    reply = await backends.moderation.RemoveMessage(
        moderation_pb2.RemoveMessageRequest(chat_id=chat_id, seq=seq, rule=body.rule, reason=body.reason)
    )
    return RemovedMessageOut(
        chat_id=reply.chat_id,
        seq=reply.seq,
        author_id=reply.author_id,
        deleted=reply.deleted,
        deleted_by=reply.deleted_by or None,
        delete_rule=reply.delete_rule or None,
        delete_reason=reply.delete_reason or None,
    )


@router.post(
    CHAT + "/violations",
    status_code=201,
    summary="Record a violation citing a rule; the member is reminded of it (R-MOD-2)",
)
async def record_violation(chat_id: str, body: ViolationIn, backends: BackendsDep) -> ViolationOut:
    reply = await backends.moderation.RecordViolation(
        moderation_pb2.RecordViolationRequest(
            chat_id=chat_id, user_id=body.user_id, rule=body.rule, comment=body.comment
        )
    )
    return violation_out(reply)


@router.get(
    CHAT + "/violations",
    summary="Violations: moderators see everyone's (or user_id's); a member sees their own reminders",
)
async def list_violations(chat_id: str, backends: BackendsDep, user_id: str = "") -> Violations:
    reply = await backends.moderation.ListViolations(
        moderation_pb2.ListViolationsRequest(chat_id=chat_id, user_id=user_id)
    )
    return Violations(violations=[violation_out(v) for v in reply.violations])


@router.post(
    CHAT + "/blocks",
    status_code=201,
    summary="Block a member: more than three violations, at most 30 days (R-MOD-3)",
)
async def block_member(chat_id: str, body: BlockIn, backends: BackendsDep) -> BlockOut:
    reply = await backends.moderation.BlockMember(
        moderation_pb2.BlockMemberRequest(
            chat_id=chat_id, user_id=body.user_id, days=body.days, reason=body.reason
        )
    )
    return block_out(reply)


@router.get(
    CHAT + "/blocks",
    summary="Blocks holding now: moderators see everyone's (or user_id's); a member sees their own (R-MOD-3)",
)
async def list_blocks(chat_id: str, backends: BackendsDep, user_id: str = "") -> Blocks:
    reply = await backends.moderation.ListBlocks(
        moderation_pb2.ListBlocksRequest(chat_id=chat_id, user_id=user_id)
    )
    return Blocks(blocks=[block_out(b) for b in reply.blocks])


@router.post(CHAT + "/blocks/{user_id}:lift", summary="Lift a block early, with a reason (R-MOD-4)")
async def lift_block(chat_id: str, user_id: str, body: LiftIn, backends: BackendsDep) -> BlockOut:
    reply = await backends.moderation.LiftBlock(
        moderation_pb2.LiftBlockRequest(chat_id=chat_id, user_id=user_id, reason=body.reason)
    )
    return block_out(reply)


@router.post(
    CHAT + "/members/{user_id}:remove", summary="Remove a member from the chat citing a rule (R-MOD-5)"
)
async def remove_member(
    chat_id: str, user_id: str, body: CitedRuleIn, backends: BackendsDep
) -> AuditEntryOut:
    reply = await backends.moderation.RemoveMember(
        moderation_pb2.RemoveMemberRequest(
            chat_id=chat_id, user_id=user_id, rule=body.rule, reason=body.reason
        )
    )
    return audit_out(reply)


@router.get(
    CHAT + "/audit",
    summary="The moderation audit log, newest first: moderators and administrators (R-MOD-5)",
)
async def audit_log(
    chat_id: str,
    backends: BackendsDep,
    before: int = Query(default=0, ge=0, le=MAX_SEQ),
    limit: int = Query(default=50, ge=1, le=100),
) -> AuditPage:
    reply = await backends.moderation.ListAudit(
        moderation_pb2.ListAuditRequest(chat_id=chat_id, before=before, limit=limit)
    )
    return AuditPage(entries=[audit_out(e) for e in reply.entries], next_before=reply.next_before or None)
