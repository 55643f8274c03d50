"""Attachments as clients see them on a message (R-CHAT-3): the part of the message views
(chats/views.py) that adds a page's files, and the files a new post attaches."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from parta.messaging.v1 import messaging_pb2 as pb
from services.messaging.attachments.files import attach, attachment_ids
from services.messaging.attachments.store import AttachmentStore
from services.messaging.chats.parts import ChatAccess, PostPart, Reader


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


class AttachmentPart:
    """Fills `attachments` of stored messages (none on tombstones); the same for every reader."""

    def __init__(self, store: AttachmentStore) -> None:
        self._store = store

    async def add(
        self, conn: AsyncConnection, reader: Reader | None, messages: Sequence[pb.ChatMessage]
    ) -> None:
        keys = [(uuid.UUID(m.chat_id), m.seq) for m in messages if not m.deleted]
        if not keys:
            return
        found = await self._store.message_attachments(conn, keys)
        for message in messages:
            rows = found.get((uuid.UUID(message.chat_id), message.seq)) if not message.deleted else None
            if rows:
                del message.attachments[:]
                message.attachments.extend(attachment_pb(r) for r in rows)


class Attaching:
    """The poster's pending uploads in the chat, attached to the new message in its transaction."""

    content = True

    def __init__(self, files: AttachmentStore, ids: list[uuid.UUID]) -> None:
        self._files = files
        self._ids = ids
        self._attached: list[Row[Any]] = []

    async def store(self, conn: AsyncConnection, access: ChatAccess, message: Row[Any]) -> None:
        self._attached = await attach(self._files, conn, access, int(message.seq), self._ids)

    def show(self, message: pb.ChatMessage) -> None:
        message.attachments.extend(attachment_pb(r) for r in self._attached)


class Attach:
    """Makes the part a post with `attachment_ids` carries (checked before the post: at most 10, no
    repeats); main hands it to the chats api."""

    def __init__(self, store: AttachmentStore) -> None:
        self._store = store

    def __call__(self, values: Sequence[str]) -> list[PostPart]:
        ids = attachment_ids(values)
        return [Attaching(self._store, ids)] if ids else []
