"""Attachments (R-CHAT-3: messages carry files — documents, images, video): upload, attach to a
message, download, and the sweep of what nobody can reach any more.

- Upload: only a member who may post in the chat now (R-CHAT-2 in channels, not while blocked,
  R-MOD-3). The bytes are spooled to a temporary file while the type is detected from them
  (`kinds.sniff`) and the kind's size limit holds; an image gets its thumbnail
  (`thumbnails.py`). The file then goes to storage and stays *pending* until its uploader attaches it.
- Attach (`attach`, inside the post's transaction): at most 10, each a pending upload of the poster
  in the same chat; anything else is NOT_FOUND (someone else's upload is not theirs to see).
- Download: to the people who may read the chat now (members); a pending upload to its uploader
  only; a deleted message's files are gone (NOT_FOUND), as is everything to another school.
- Sweep: pending uploads older than `pending_hours`, and the files of deleted messages, are removed
  from storage and the database.
Blocking work (file writes, zip and image inspection) runs in threads.
"""

from __future__ import annotations

import asyncio
import tempfile
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from services.common.auth import Principal
from services.common.convert import parse_uuid
from services.common.db import Database
from services.common.errors import InvalidArgument, NotFound
from services.common.logging import get_logger
from services.messaging.attachments.kinds import (
    HEAD_BYTES,
    TEXT_CANDIDATE,
    ZIP_CONTAINER,
    FileType,
    Limits,
    check_text_file,
    office_type,
    safe_name,
    sniff,
)
from services.messaging.attachments.storage import Storage, StoredObjectMissing
from services.messaging.attachments.store import AttachmentStore
from services.messaging.attachments.thumbnails import THUMBNAIL_CONTENT_TYPE, inspect_image
from services.messaging.chats.parts import Access, ChatAccess

log = get_logger(__name__)

MAX_ATTACHMENTS = 10
ATTACHMENT_NOT_FOUND = "Файл не найден"
SWEEP_BATCH = 200
SWEEP_EVERY_SECONDS = 3600.0


@dataclass(frozen=True)
class UploadStart:
    """What the first chunk of an upload says."""

    organisation_id: str
    chat_id: str
    name: str
    size: int  # declared; 0: unknown


@dataclass(frozen=True)
class Download:
    name: str
    content_type: str
    size: int
    kind: str
    chunks: AsyncIterator[bytes]


def check_may_upload(access: ChatAccess) -> None:
    """Uploading is posting: a member who may post here now (R-CHAT-2, R-MOD-3)."""
    access.require_may_post()


def attachment_ids(values: Sequence[str]) -> list[uuid.UUID]:
    """The ids to attach, in order: at most 10, no repeats."""
    if len(values) > MAX_ATTACHMENTS:
        raise InvalidArgument(f"К сообщению можно прикрепить не больше {MAX_ATTACHMENTS} файлов")
    ids = [parse_uuid(value, "attachment_id") for value in values]
    if len(set(ids)) != len(ids):
        raise InvalidArgument("Один и тот же файл прикреплён дважды")
    return ids


async def attach(
    store: AttachmentStore, conn: AsyncConnection, access: ChatAccess, seq: int, ids: Sequence[uuid.UUID]
) -> list[Row[Any]]:
    """Attach the poster's pending uploads in this chat to message `seq` (in the post's transaction);
    returns them in the order given, so the post's reply and live event need no second look-up."""
    if not ids:
        return []
    rows = {row.id: row for row in await store.attachments_for_update(conn, ids)}
    for attachment_id in ids:
        row = rows.get(attachment_id)
        if row is None or row.chat_id != access.chat.id or row.uploader_id != access.person.user_id:
            # Another person's upload, or another chat's: not the poster's to see.
            raise NotFound(ATTACHMENT_NOT_FOUND)
        if row.message_seq is not None:
            raise InvalidArgument(f"Файл «{row.name}» уже прикреплён к другому сообщению")
    await store.attach(conn, access.chat.id, seq, ids, datetime.now(UTC))
    return [rows[attachment_id] for attachment_id in ids]


def _new_spool_file() -> IO[bytes]:
    return tempfile.NamedTemporaryFile(prefix="parta-upload-", delete=False)


class _Spool:
    """The upload's bytes in a temporary file, with the type detected from its first bytes and the
    size limits checked as the bytes arrive (an oversize upload stops at once)."""

    def __init__(self, handle: IO[bytes], limits: Limits, declared: int) -> None:
        self.handle = handle
        self.path = Path(handle.name)
        self.limits = limits
        self.declared = declared
        self.head = bytearray()
        self.file_type: FileType | None = None
        self.size = 0

    async def receive(self, data: AsyncIterator[bytes]) -> FileType:
        async for chunk in data:
            if not chunk:
                continue
            self.size += len(chunk)
            if self.file_type is None:
                self.head += chunk[:HEAD_BYTES]
                if len(self.head) >= HEAD_BYTES:
                    self._detect()
            self._check_size()
            await asyncio.to_thread(self.handle.write, chunk)
        if self.file_type is None:
            self._detect()
        await asyncio.to_thread(self.handle.flush)
        if self.declared and self.size != self.declared:
            raise InvalidArgument("Файл пришёл не целиком: размер не совпадает с заявленным")
        assert self.file_type is not None
        return self.file_type

    def _detect(self) -> None:
        self.file_type = sniff(bytes(self.head[:HEAD_BYTES]))
        self.limits.check(self.file_type.kind, max(self.size, self.declared))

    def _check_size(self) -> None:
        if self.declared and self.size > self.declared:
            raise InvalidArgument("Файл больше заявленного размера")
        if self.file_type is not None:
            self.limits.check(self.file_type.kind, self.size)
        else:
            self.limits.check_declared(self.size)


class Attachments:
    def __init__(
        self,
        db: Database,
        store: AttachmentStore,
        access: Access,
        storage: Storage,
        limits: Limits,
        pending: timedelta,
    ) -> None:
        self._db = db
        self._store = store
        self._chats = access
        self._storage = storage
        self._limits = limits
        self._pending = pending

    async def _access(self, conn: AsyncConnection, principal: Principal, start: UploadStart) -> ChatAccess:
        access = await self._chats.chat_access(conn, start.chat_id, principal)
        if start.organisation_id and start.organisation_id != str(access.chat.organisation_id):
            raise NotFound("Чат не найден")
        check_may_upload(access)
        return access

    async def upload(self, principal: Principal, start: UploadStart, data: AsyncIterator[bytes]) -> Row[Any]:
        if not start.name.strip():
            raise InvalidArgument("Укажите имя файла")
        self._limits.check_declared(start.size)
        async with self._db.read("attachment_upload_access") as conn:
            chat_id = (await self._access(conn, principal, start)).chat.id
        handle = await asyncio.to_thread(_new_spool_file)
        spool = _Spool(handle, self._limits, start.size)
        try:
            try:
                file_type = await spool.receive(data)
            finally:
                await asyncio.to_thread(handle.close)
            return await self._keep(principal, start, chat_id, spool, file_type)
        finally:
            await asyncio.to_thread(spool.path.unlink, missing_ok=True)

    async def _keep(
        self, principal: Principal, start: UploadStart, chat_id: uuid.UUID, spool: _Spool, file_type: FileType
    ) -> Row[Any]:
        if file_type is ZIP_CONTAINER:
            file_type = await asyncio.to_thread(office_type, spool.path)
        elif file_type is TEXT_CANDIDATE:
            file_type = await asyncio.to_thread(check_text_file, spool.path)
        width = height = 0
        thumbnail: bytes | None = None
        if file_type.kind == "image":
            facts = await asyncio.to_thread(inspect_image, spool.path)
            width, height, thumbnail = facts.width, facts.height, facts.thumbnail
        attachment_id = uuid.uuid4()
        key = f"attachments/{chat_id}/{attachment_id}"
        thumbnail_key = f"{key}.thumb.jpg" if thumbnail is not None else None
        await self._storage.put(key, spool.path, file_type.content_type)
        try:
            if thumbnail_key is not None and thumbnail is not None:
                await self._storage.put(thumbnail_key, thumbnail, THUMBNAIL_CONTENT_TYPE)
            async with self._db.transaction("attachment_uploaded") as conn:
                # Checked again: the member may have been removed or blocked during a long upload.
                access = await self._access(conn, principal, start)
                return await self._store.insert_attachment(
                    conn,
                    id=attachment_id,
                    organisation_id=access.chat.organisation_id,
                    chat_id=access.chat.id,
                    uploader_id=access.person.user_id,
                    name=safe_name(start.name, file_type),
                    content_type=file_type.content_type,
                    kind=file_type.kind,
                    size=spool.size,
                    width=width,
                    height=height,
                    storage_key=key,
                    thumbnail_key=thumbnail_key,
                )
        except BaseException:
            await self._forget(key, thumbnail_key)
            raise

    async def _forget(self, *keys: str | None) -> None:
        for key in keys:
            if key is not None:
                try:
                    await self._storage.delete(key)
                except Exception as error:
                    log.warning("attachment.delete_failed", key=key, error=str(error) or type(error).__name__)

    async def download(self, principal: Principal, attachment_id: str, thumbnail: bool) -> Download:
        async with self._db.read("attachment_download") as conn:
            row = await self._store.get_attachment(conn, parse_uuid(attachment_id, "attachment_id"))
            if row is None:
                raise NotFound(ATTACHMENT_NOT_FOUND)
            try:
                access = await self._chats.chat_access(conn, str(row.chat_id), principal)
            except NotFound:
                raise NotFound(ATTACHMENT_NOT_FOUND) from None
            access.require_member()
            if row.message_seq is None:
                if row.uploader_id != access.person.user_id:
                    raise NotFound(ATTACHMENT_NOT_FOUND)
            elif row.message_deleted_at is not None:
                raise NotFound(ATTACHMENT_NOT_FOUND)
        if thumbnail:
            if row.thumbnail_key is None:
                raise NotFound("У этого файла нет миниатюры")
            return Download(row.name, THUMBNAIL_CONTENT_TYPE, 0, row.kind, self._chunks(row.thumbnail_key))
        return Download(row.name, row.content_type, row.size, row.kind, self._chunks(row.storage_key))

    async def _chunks(self, key: str) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._storage.get(key):
                yield chunk
        except StoredObjectMissing:
            log.warning("attachment.missing", key=key)
            raise NotFound(ATTACHMENT_NOT_FOUND) from None

    async def sweep(self) -> int:
        """Remove pending uploads older than the pending time and the files of deleted messages
        (main runs it hourly, `SWEEP_EVERY_SECONDS`); returns how many."""
        removed = 0
        while True:
            async with self._db.transaction("attachments_sweep") as conn:
                rows = await self._store.sweepable_attachments(
                    conn, datetime.now(UTC) - self._pending, SWEEP_BATCH
                )
                for row in rows:
                    await self._storage.delete(row.storage_key)
                    if row.thumbnail_key:
                        await self._storage.delete(row.thumbnail_key)
                await self._store.delete_attachments(conn, [r.id for r in rows])
            removed += len(rows)
            if len(rows) < SWEEP_BATCH:
                if removed:
                    log.info("attachments.swept", count=removed)
                return removed
