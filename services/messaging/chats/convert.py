"""Rows → contract messages, shared by the servicer and the live publisher."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row

from parta.messaging.v1 import messaging_pb2 as pb
from services.common.convert import to_timestamp


def kind_value(name: str) -> pb.ChatKind.ValueType:
    """ "class_staff" → CHAT_KIND_CLASS_STAFF; ValueError for a name that is no kind."""
    return pb.ChatKind.Value("CHAT_KIND_" + name.upper())


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


def attachment_pb(row: Row[Any]) -> pb.Attachment:
    return pb.Attachment(
        id=str(row.id),
        name=row.name,
        content_type=row.content_type,
        kind=row.kind,
        size=row.size,
        width=row.width,
        height=row.height,
        has_thumbnail=row.thumbnail_key is not None,
    )
