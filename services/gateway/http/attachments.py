"""Attachments (R-CHAT-3): upload a file to a chat, download a file or its thumbnail.

- `POST /api/v1/chats/{chat_id}/attachments`: the raw file as the body (no multipart), its name in
  `X-Filename` (percent-encoded UTF-8) or `?name=`. The body streams to messaging's
  `UploadAttachment` in chunks as it arrives; the type is detected there from the bytes, so the
  request's Content-Type is not trusted. The answer (201) is the pending attachment: send its `id` in
  `attachment_ids` of the next message to the chat.
- `GET /api/v1/attachments/{id}` and `…/{id}/thumbnail`: the bytes, streamed from messaging's
  `DownloadAttachment`, with the detected Content-Type, `Content-Disposition` (documents download,
  media show inline; RFC 5987 `filename*`), `X-Content-Type-Options: nosniff` and a CSP that lets the
  file run nothing (`default-src 'none'; sandbox`), cached privately.

Authorisation is the bearer token as for every call: the web client fetches files with it and shows
images from blob: URLs (`webclient/serve.py`'s CSP allows `img-src blob:`), so no token ever sits in a URL."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from urllib.parse import quote, unquote

import grpc
from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import StreamingResponse

from parta.messaging.v1 import attachments_pb2
from services.gateway.clients import Backends
from services.gateway.deps import BackendsDep
from services.gateway.views import AttachmentOut, attachment_out

router = APIRouter(tags=["attachments"])
CHUNK_BYTES = 256 * 1024

# Uploads and downloads of large files outlast the usual call timeout.
TRANSFER_TIMEOUT_SECONDS = 3600.0

# After a refusal the rest of the body is read and dropped (up to this much), so that the client
# sees the answer instead of a reset connection.
DRAIN_LIMIT_BYTES = 64 * 1024 * 1024

# No upload is larger (messaging's per-kind limits are smaller; it drains up to 300 MB of a refused
# upload before answering): a body declared larger is refused before anything is sent on.
MAX_UPLOAD_BYTES = 256 * 1024 * 1024
FILE_CSP = "default-src 'none'; sandbox; frame-ancestors 'none'"
INLINE_KINDS = {"image", "video", "audio"}


def declared_size(request: Request) -> int:
    try:
        return max(0, int(request.headers.get("content-length", "0")))
    except ValueError:
        return 0


def filename_of(request: Request, name: str) -> str:
    return (name or unquote(request.headers.get("x-filename", ""), errors="replace")).strip()


async def _chunks(body: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """The body in pieces of about CHUNK_BYTES."""
    buffer = bytearray()
    async for data in body:
        buffer += data
        while len(buffer) >= CHUNK_BYTES:
            yield bytes(buffer[:CHUNK_BYTES])
            del buffer[:CHUNK_BYTES]
    if buffer:
        yield bytes(buffer)


async def _drain(body: AsyncIterator[bytes]) -> None:
    dropped = 0
    try:
        async for data in body:
            dropped += len(data)
            if dropped > DRAIN_LIMIT_BYTES:
                return
    except Exception:
        return


# The one route whose body is a file streamed to messaging (not JSON): exempt from the gateway's body
# limit (asgi.BodyLimit), counted against MAX_UPLOAD_BYTES here.
STREAMED_UPLOAD_PATHS = re.compile(r"/api/v1/chats/[^/]+/attachments")


@router.post(
    "/api/v1/chats/{chat_id}/attachments",
    status_code=201,
    summary="Upload a file to a chat (raw body; name in X-Filename or ?name=); attach it to a message next",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def upload_attachment(
    chat_id: str,
    request: Request,
    backends: BackendsDep,
    name: str = Query(default="", max_length=1000, description="the file's name (or X-Filename)"),
) -> AttachmentOut:
    filename = filename_of(request, name)
    if not filename:
        raise HTTPException(400, "Укажите имя файла (заголовок X-Filename или параметр name)")
    size = declared_size(request)
    if size > MAX_UPLOAD_BYTES:
        raise HTTPException(413, f"Файл слишком большой: не больше {MAX_UPLOAD_BYTES // 1024 // 1024} МБ")
    body = request.stream()

    async def messages() -> AsyncIterator[attachments_pb2.UploadAttachmentChunk]:
        yield attachments_pb2.UploadAttachmentChunk(chat_id=chat_id, name=filename, size=size)
        sent = 0
        async for data in _chunks(body):
            sent += len(data)
            if sent > MAX_UPLOAD_BYTES:
                return  # messaging refused it long before; stop feeding it
            yield attachments_pb2.UploadAttachmentChunk(data=data)

    try:
        reply = await backends.attachments.UploadAttachment(messages(), timeout=TRANSFER_TIMEOUT_SECONDS)
    except grpc.aio.AioRpcError:
        await _drain(body)
        raise
    return attachment_out(reply)


def content_disposition(kind: str, name: str) -> str:
    """`attachment` for documents, `inline` for media; an ASCII fallback and RFC 5987 `filename*`."""
    disposition = "inline" if kind in INLINE_KINDS else "attachment"
    fallback = "".join(c if c.isascii() and c.isprintable() and c not in '"\\;' else "_" for c in name)
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


async def _download(backends: Backends, attachment_id: str, *, thumbnail: bool) -> StreamingResponse:
    call = backends.attachments.DownloadAttachment(
        attachments_pb2.DownloadAttachmentRequest(attachment_id=attachment_id, thumbnail=thumbnail),
        timeout=TRANSFER_TIMEOUT_SECONDS,
    )
    first = await call.read()  # an AioRpcError (404, 403…) surfaces here, before any header is sent
    if first is grpc.aio.EOF:
        call.cancel()
        raise HTTPException(404, "Файл не найден")
    name = first.name if not thumbnail else first.name.rsplit(".", 1)[0] + "-preview.jpg"
    content_type = first.content_type
    if content_type.startswith("text/"):
        content_type += "; charset=utf-8"
    headers = {
        "Content-Disposition": content_disposition("image" if thumbnail else first.kind, name),
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": FILE_CSP,
        "Cache-Control": "private, max-age=3600",
        "Cross-Origin-Resource-Policy": "same-origin",
    }
    if first.size:
        headers["Content-Length"] = str(first.size)

    async def body() -> AsyncIterator[bytes]:
        try:
            if first.data:
                yield first.data
            while (chunk := await call.read()) is not grpc.aio.EOF:
                yield chunk.data
        finally:
            call.cancel()

    return StreamingResponse(body(), media_type=content_type, headers=headers)


@router.get(
    "/api/v1/attachments/{attachment_id}",
    summary="Download a file (members of its chat; a deleted message's files are gone)",
    response_class=StreamingResponse,
)
async def download_attachment(attachment_id: str, backends: BackendsDep) -> StreamingResponse:
    return await _download(backends, attachment_id, thumbnail=False)


@router.get(
    "/api/v1/attachments/{attachment_id}/thumbnail",
    summary="An image's thumbnail (JPEG, at most 320 px)",
    response_class=StreamingResponse,
)
async def download_thumbnail(attachment_id: str, backends: BackendsDep) -> StreamingResponse:
    return await _download(backends, attachment_id, thumbnail=True)
