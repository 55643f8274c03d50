"""Request and response bodies of chat invite links (R-CHAT-6)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class ChatLinkIn(BaseModel):
    expires_in_days: int = Field(default=0, ge=0, le=30, description="0: the default, 7 days; at most 30")
    max_uses: int = Field(default=0, ge=0, le=1000, description="0: no limit")


class ChatLinkOut(BaseModel):
    id: str
    chat_id: str
    created_by: str
    created_at: datetime | None
    expires_at: datetime | None
    max_uses: int | None = Field(description="null: no limit")
    uses: int
    revoked: bool
    revoked_at: datetime | None
    active: bool = Field(description="not revoked, not expired, not used up")


class CreatedChatLinkOut(BaseModel):
    link: ChatLinkOut
    token: str = Field(description="shown once; only its hash is kept")
    url: str = Field(description="the link to hand out")


class ChatLinks(BaseModel):
    links: list[ChatLinkOut]


class RevokedChatLinks(BaseModel):
    revoked: int


class ChatLinkPreviewOut(BaseModel):
    """What a link leads to; nothing about members."""

    chat_id: str
    title: str
    kind: str
    organisation_id: str
    organisation_name: str
    rules_version: int
    rules: list[str]
    expires_at: datetime | None
    member: bool = Field(description="I am already a member of the chat")
    organisation_member: bool = Field(description="I am a member of the chat's organisation (R-CHAT-6)")
