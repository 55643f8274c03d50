"""Chats and messages → contract messages, shared by the api modules and the message views."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row

from parta.messaging.v1 import chats_pb2
from parta.messaging.v1 import messaging_pb2 as pb
from services.common.convert import to_timestamp
from services.messaging.chats.parts import ChatView, MessagePreview, kind_value


def kind_name(value: int) -> str:
    """CHAT_KIND_CLASS_STAFF → "class_staff"; "" for an unknown value."""
    try:
        return pb.ChatKind.Name(value).removeprefix("CHAT_KIND_").lower()  # type: ignore[arg-type]
    except ValueError:
        return ""


def message_pb(row: Row[Any]) -> pb.ChatMessage:
    return pb.ChatMessage(
        chat_id=str(row.chat_id),
        seq=row.seq,
        author_id=str(row.author_id),
        text=row.text,
        reply_to_seq=row.reply_to_seq or 0,
        deleted=row.deleted_at is not None,
        created_at=to_timestamp(row.created_at),
        edited_at=to_timestamp(row.edited_at),
        deleted_by=str(row.deleted_by or ""),
        delete_rule=row.delete_rule or 0,
        delete_reason=row.delete_reason or "",
    )


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


def invitation_pb(row: Row[Any]) -> chats_pb2.ChatInvitation:
    return chats_pb2.ChatInvitation(
        id=str(row.id),
        chat_id=str(row.chat_id),
        organisation_id=str(row.organisation_id),
        user_id=str(row.user_id),
        invited_by=str(row.invited_by),
        status=row.status,
        chat_title=row.title,
        created_at=to_timestamp(row.created_at),
    )
