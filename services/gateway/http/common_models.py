"""Bodies and conversions that several HTTP features share, so that no route module imports
another: a chat as its list shows it (chats, chat links, search), the sequence-number bounds
(chats, polls), an organisation, a class and a member (organisations, joining), a role
verification (me, verifications), a parent's claim (invites, join requests) and a query's enum
name as the contract's value (join requests, support)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import HTTPException, Path
from pydantic import BaseModel, Field

from parta.directory.v1 import directory_pb2 as dpb
from parta.directory.v1 import joining_pb2
from parta.messaging.v1 import messaging_pb2 as mpb
from services.common.convert import role_name
from services.gateway.views import timestamp

# --- chats --------------------------------------------------------------------------------------
# Integers keep their contract's bounds (int32 / int64 fields): a larger number is bad input (400),
# not a failed conversion (500). tests/gateway/test_openapi_bounds.py checks every integer the API
# takes has both bounds.
MAX_SEQ = 2**63 - 1
MAX_INT32 = 2**31 - 1
ChatKindName = Literal["class", "parents", "class_staff", "subject", "management", "other", "channel"]


class MessagePreviewOut(BaseModel):
    """The newest message of a chat, for the preview line of the chats list."""

    seq: int
    author_id: str
    text: str = Field(description="cut to 200 characters; empty when deleted")
    created_at: datetime | None
    deleted: bool
    has_attachments: bool
    is_poll: bool


class ChatCallOut(BaseModel):
    """The call in progress in a chat (R-MEDIA-1): what the chat shows ("идёт звонок")."""

    id: str
    started_at: datetime | None
    participant_count: int


class ChatOut(BaseModel):
    id: str
    organisation_id: str
    kind: str
    title: str
    class_id: str | None
    subject: str | None
    system_kind: str | None = Field(description="'school' or 'staff' for the system channels (R-ORG-5)")
    staff_only: bool
    created_by: str | None
    rules_version: int
    rules: list[str]
    last_seq: int
    member: bool
    last_read_seq: int
    unread_count: int
    may_post: bool
    member_count: int
    created_at: datetime | None
    last_message: MessagePreviewOut | None = Field(
        default=None, description="in GET /chats only: the newest message, or null when there is none"
    )
    call: ChatCallOut | None = Field(
        default=None,
        exclude_if=lambda call: call is None,
        description="in GET /chats and GET /chats/{id}: the call in progress; the key is absent when none",
    )


class JoinIn(BaseModel):
    """R-CHAT-5: the rules version the member read and acknowledges."""

    rules_version: int = Field(ge=1, le=MAX_INT32)


# A message's sequence number in a path: int64, so a larger one is 400 (not a failed conversion).
Seq = Annotated[int, Path(ge=0, le=MAX_SEQ)]


def kind_name(value: int) -> str:
    return mpb.ChatKind.Name(value).removeprefix("CHAT_KIND_").lower()  # type: ignore[arg-type]


def chat_out(reply: mpb.Chat) -> ChatOut:
    return ChatOut.model_validate(
        {
            "id": reply.id,
            "organisation_id": reply.organisation_id,
            "kind": kind_name(reply.kind),
            "title": reply.title,
            "class_id": reply.class_id or None,
            "subject": reply.subject or None,
            "system_kind": reply.system_kind or None,
            "staff_only": reply.staff_only,
            "created_by": reply.created_by or None,
            "rules_version": reply.rules_version,
            "rules": list(reply.rules),
            "last_seq": reply.last_seq,
            "member": reply.member,
            "last_read_seq": reply.last_read_seq,
            "unread_count": reply.unread_count,
            "may_post": reply.may_post,
            "member_count": reply.member_count,
            "created_at": timestamp(reply.created_at),
            "last_message": preview_out(reply.last_message) if reply.HasField("last_message") else None,
            "call": chat_call_out(reply.call) if reply.HasField("call") else None,
        }
    )


def chat_call_out(call: mpb.ChatCall) -> ChatCallOut:
    return ChatCallOut.model_validate(
        {"id": call.id, "started_at": timestamp(call.started_at), "participant_count": call.participant_count}
    )


def preview_out(reply: mpb.MessagePreview) -> MessagePreviewOut:
    return MessagePreviewOut.model_validate(
        {
            "seq": reply.seq,
            "author_id": reply.author_id,
            "text": reply.text,
            "created_at": timestamp(reply.created_at),
            "deleted": reply.deleted,
            "has_attachments": reply.has_attachments,
            "is_poll": reply.is_poll,
        }
    )


# --- organisations, classes, members, verifications, parents' claims ----------------------------
class RoleVerification(BaseModel):
    id: str
    organisation_id: str
    role: str
    status: str
    decided_at: datetime | None = None
    reason: str = ""


CLASS_KINDS = ("class", "group", "association", "staff_room")

OrganisationKind = Literal["school", "kindergarten", "additional_education"]

# In the order of the contract's OrganisationKind enum (1, 2, 3).
ORGANISATION_KINDS: tuple[OrganisationKind, ...] = ("school", "kindergarten", "additional_education")


class OrganisationOut(BaseModel):
    id: str
    kind: str
    name: str
    region: str
    address: str
    tax_id: str
    time_zone: str
    journal_url: str
    join_code: str | None = Field(description="only administrators see it")
    my_roles: list[str]
    created_at: datetime | None


class ClassOut(BaseModel):
    id: str
    name: str
    kind: Literal["class", "group", "association", "staff_room"]
    academic_year: str | None
    grade: int | None
    unit_id: str | None
    class_teacher_id: str | None = Field(default=None, description="the class teacher (R-ROLE-4)")
    student_count: int = Field(default=0, description="students in the class now (R-ROLE-5)")
    parent_count: int = Field(default=0, description="parents linked to those students (R-ROLE-6)")


class MemberOut(BaseModel):
    user_id: str
    roles: list[str]
    verified_roles: list[str] = Field(
        description="staff roles verified by the administrator: the badge (R-ROLE-2)"
    )
    joined_at: datetime | None


def organisation_out(reply: dpb.Organisation) -> OrganisationOut:
    return OrganisationOut.model_validate(
        {
            "id": reply.id,
            "kind": ORGANISATION_KINDS[reply.kind - 1],
            "name": reply.name,
            "region": reply.region,
            "address": reply.address,
            "tax_id": reply.tax_id,
            "time_zone": reply.time_zone,
            "journal_url": reply.journal_url,
            "join_code": reply.join_code or None,
            "my_roles": [role_name(r) for r in reply.my_roles],
            "created_at": timestamp(reply.created_at),
        }
    )


def class_out(reply: dpb.Class) -> ClassOut:
    return ClassOut(
        id=reply.id,
        name=reply.name,
        kind=CLASS_KINDS[reply.kind - 1],
        academic_year=reply.academic_year or None,
        grade=reply.grade or None,
        unit_id=reply.unit_id or None,
        class_teacher_id=reply.class_teacher_id or None,
        student_count=reply.student_count,
        parent_count=reply.parent_count,
    )


Relation = Literal["mother", "father", "guardian"]


class ParentClaimIn(BaseModel):
    """R-ROLE-6: a parent names their child — a student of the class by id, or by first and last
    name when not in the class yet — and who they are to them."""

    child_id: str = Field(default="", max_length=64)
    child_first_name: str = Field(default="", max_length=64)
    child_last_name: str = Field(default="", max_length=64)
    relation: Relation


class InviteAcceptIn(BaseModel):
    """Accepting a link; with a parent's link, the child and the relation (R-ROLE-6)."""

    parent: ParentClaimIn | None = None


def claim_message(claim: ParentClaimIn | None) -> joining_pb2.ParentClaim | None:
    """A parent's claim for the contract (R-ROLE-6); directory checks it."""
    return None if claim is None else joining_pb2.ParentClaim(**claim.model_dump())


def enum_value(names: tuple[str, ...], name: str, what: str) -> Any:
    """A query parameter's name as the contract's enum value (0 when empty)."""
    if not name:
        return 0
    if name not in names:
        raise HTTPException(400, f"{what}: " + ", ".join(names))
    return names.index(name) + 1
