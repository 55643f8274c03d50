"""Full-text search over the messages of my chats: GET /api/v1/search (issue 5).
The routes with their request and response bodies."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from parta.messaging.v1 import search_pb2
from services.gateway.deps import BackendsDep
from services.gateway.http.common_models import kind_name
from services.gateway.views import timestamp


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


router = APIRouter(tags=["search"])


def hit_out(hit: search_pb2.SearchHit) -> SearchHitOut:
    return SearchHitOut.model_validate(
        {
            "chat_id": hit.chat_id,
            "chat_title": hit.chat_title,
            "chat_kind": kind_name(hit.chat_kind),
            "organisation_id": hit.organisation_id,
            "seq": hit.seq,
            "author_id": hit.author_id,
            "created_at": timestamp(hit.created_at),
            "highlight": [SegmentOut(text=s.text, match=s.match) for s in hit.highlight],
            "rank": hit.rank,
        }
    )


@router.get(
    "/api/v1/search",
    summary="Search the messages of the chats I am a member of (russian full-text search)",
)
async def search_messages(
    backends: BackendsDep,
    q: str = Query(max_length=400, description='words, "a phrase", -excluded, or'),
    org: str = Query(default="", max_length=64, description="only this organisation's chats"),
    chat: str = Query(default="", max_length=64, description="only this chat"),
    limit: int = Query(default=0, ge=0, le=50, description="0: 20"),
    cursor: str = Query(default="", max_length=16),
) -> SearchResults:
    reply = await backends.search.SearchMessages(
        search_pb2.SearchMessagesRequest(
            query=q, organisation_id=org, chat_id=chat, limit=limit, cursor=cursor
        )
    )
    return SearchResults(hits=[hit_out(h) for h in reply.hits], next_cursor=reply.next_cursor or None)
