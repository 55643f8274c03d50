"""Full-text search over the messages of my chats: GET /api/v1/search (issue 5)."""

from __future__ import annotations

from fastapi import APIRouter, Query

from parta.messaging.v1 import messaging_pb2 as pb
from services.gateway.deps import RpcDep, timestamp
from services.gateway.routes.chats import _kind_name
from services.gateway.search_models import SearchHitOut, SearchResults, SegmentOut

router = APIRouter(tags=["search"])


def hit_out(hit: pb.SearchHit) -> SearchHitOut:
    return SearchHitOut.model_validate(
        {
            "chat_id": hit.chat_id,
            "chat_title": hit.chat_title,
            "chat_kind": _kind_name(hit.chat_kind),
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
    rpc: RpcDep,
    q: str = Query(max_length=400, description='words, "a phrase", -excluded, or'),
    org: str = Query(default="", max_length=64, description="only this organisation's chats"),
    chat: str = Query(default="", max_length=64, description="only this chat"),
    limit: int = Query(default=0, ge=0, le=50, description="0: 20"),
    cursor: str = Query(default="", max_length=16),
) -> SearchResults:
    reply = await rpc.clients.messaging.SearchMessages(
        pb.SearchMessagesRequest(query=q, organisation_id=org, chat_id=chat, limit=limit, cursor=cursor),
        metadata=rpc.metadata,
        timeout=rpc.timeout,
    )
    return SearchResults(hits=[hit_out(h) for h in reply.hits], next_cursor=reply.next_cursor or None)
