"""Messaging's gRPC service `parta.messaging.v1.Attachments` (R-CHAT-3): the client-streaming upload and the
server-streaming download."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, TypeAlias

from parta.messaging.v1 import attachments_pb2, attachments_pb2_grpc
from parta.messaging.v1 import messaging_pb2 as pb
from services.common.auth import current_principal
from services.common.errors import InvalidArgument, PartaError
from services.messaging.attachments.files import Attachments, UploadStart
from services.messaging.attachments.views import attachment_pb

Context: TypeAlias = Any  # grpc.aio.ServicerContext (grpcio ships no type hints)

SERVICE_NAME = "parta.messaging.v1.Attachments"

# More than the gateway lets through in one upload (services/gateway/routes/attachments.py).
DRAIN_LIMIT_BYTES = 300 * 1024 * 1024


async def _rest(
    first: bytes, chunks: AsyncIterator[attachments_pb2.UploadAttachmentChunk]
) -> AsyncIterator[bytes]:
    if first:
        yield first
    async for chunk in chunks:
        yield chunk.data


async def _drain(chunks: AsyncIterator[attachments_pb2.UploadAttachmentChunk]) -> None:
    """Read what the client still sends (up to DRAIN_LIMIT_BYTES) before refusing: grpc.aio clients
    that are still writing when the status arrives may report INTERNAL "Internal error from Core"
    instead of it (grpc/grpc#36066), so the refusal waits until they have finished sending."""
    drained = 0
    try:
        async for chunk in chunks:
            drained += len(chunk.data)
            if drained > DRAIN_LIMIT_BYTES:
                return
    except Exception:  # the client went away: nothing to wait for
        return


class AttachmentsApi(attachments_pb2_grpc.AttachmentsServicer):
    def __init__(self, attachments: Attachments) -> None:
        self._attachments = attachments

    async def UploadAttachment(
        self, request_iterator: AsyncIterator[attachments_pb2.UploadAttachmentChunk], context: Context
    ) -> pb.Attachment:
        first = await anext(aiter(request_iterator), None)
        if first is None:
            raise InvalidArgument("Пустая загрузка: нет ни имени, ни данных файла")
        start = UploadStart(
            organisation_id=first.organisation_id, chat_id=first.chat_id, name=first.name, size=first.size
        )
        try:
            row = await self._attachments.upload(
                current_principal(), start, _rest(first.data, request_iterator)
            )
        except PartaError:
            await _drain(request_iterator)
            raise
        return attachment_pb(row)

    async def DownloadAttachment(
        self, request: attachments_pb2.DownloadAttachmentRequest, context: Context
    ) -> AsyncIterator[attachments_pb2.DownloadAttachmentChunk]:
        download = await self._attachments.download(
            current_principal(), request.attachment_id, request.thumbnail
        )
        first = True
        async for data in download.chunks:
            if first:
                yield attachments_pb2.DownloadAttachmentChunk(
                    name=download.name,
                    content_type=download.content_type,
                    size=download.size,
                    kind=download.kind,
                    data=data,
                )
                first = False
            else:
                yield attachments_pb2.DownloadAttachmentChunk(data=data)
        if first:  # an empty thumbnail cannot happen; say what it is anyway
            yield attachments_pb2.DownloadAttachmentChunk(
                name=download.name, content_type=download.content_type, size=download.size, kind=download.kind
            )
