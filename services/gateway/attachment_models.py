"""Response bodies of attachments (R-CHAT-3): a file on a message, or one just uploaded."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from parta.messaging.v1 import messaging_pb2 as pb


class AttachmentOut(BaseModel):
    id: str
    name: str
    content_type: str = Field(description="detected from the file's bytes, not the client's claim")
    kind: Literal["document", "image", "video", "audio"]
    size: int
    width: int | None = Field(default=None, description="pixels, images only")
    height: int | None = None
    has_thumbnail: bool
    url: str = Field(description="GET it with the bearer token")
    thumbnail_url: str | None = None


def attachment_out(reply: pb.Attachment) -> AttachmentOut:
    url = f"/api/v1/attachments/{reply.id}"
    return AttachmentOut.model_validate(
        {
            "id": reply.id,
            "name": reply.name,
            "content_type": reply.content_type,
            "kind": reply.kind,
            "size": reply.size,
            "width": reply.width or None,
            "height": reply.height or None,
            "has_thumbnail": reply.has_thumbnail,
            "url": url,
            "thumbnail_url": url + "/thumbnail" if reply.has_thumbnail else None,
        }
    )


def attachments_out(reply: pb.ChatMessage) -> list[AttachmentOut]:
    return [attachment_out(a) for a in reply.attachments]
