"""Response bodies of full-text search over messages (GET /api/v1/search)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class SegmentOut(BaseModel):
    """A piece of a highlight: plain text (put it on the page as text, never as markup)."""

    text: str
    match: bool = Field(description="a found word: the client marks it (e.g. <mark> it makes itself)")


class SearchHitOut(BaseModel):
    chat_id: str
    chat_title: str
    chat_kind: str
    organisation_id: str
    seq: int
    author_id: str
    created_at: datetime | None
    highlight: list[SegmentOut]
    rank: float


class SearchResults(BaseModel):
    hits: list[SearchHitOut]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null: no more")
