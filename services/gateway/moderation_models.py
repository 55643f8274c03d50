"""Request and response bodies of chat moderation (R-MOD-1..5)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


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

    rule: int = Field(ge=1, description="1-based number of the chat's current rules")
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
    rule: int = Field(ge=1)
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
