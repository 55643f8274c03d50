"""The search part of messaging's gRPC service (issue 5): reads the request, asks `query.Search`,
shapes the reply."""

from __future__ import annotations

from typing import Any, TypeAlias

from parta.messaging.v1 import messaging_pb2 as pb
from services.common.auth import current_principal
from services.common.convert import to_timestamp
from services.messaging.chats.parts import kind_value
from services.messaging.search.query import Hit, Search

Context: TypeAlias = Any  # grpc.aio.ServicerContext (grpcio ships no type hints)


def hit_pb(hit: Hit) -> pb.SearchHit:
    return pb.SearchHit(
        chat_id=str(hit.chat_id),
        chat_title=hit.chat_title,
        chat_kind=kind_value(hit.chat_kind),
        organisation_id=str(hit.organisation_id),
        seq=hit.seq,
        author_id=str(hit.author_id),
        created_at=to_timestamp(hit.created_at),
        highlight=[pb.HighlightSegment(text=s.text, match=s.match) for s in hit.highlight],
        rank=hit.rank,
    )


class SearchApi:
    def __init__(self, search: Search) -> None:
        self._search = search

    async def SearchMessages(
        self, request: pb.SearchMessagesRequest, context: Context
    ) -> pb.SearchMessagesResponse:
        page = await self._search.messages(
            current_principal(),
            request.query,
            organisation_id=request.organisation_id,
            chat_id=request.chat_id,
            limit=request.limit,
            cursor=request.cursor,
        )
        return pb.SearchMessagesResponse(hits=[hit_pb(h) for h in page.hits], next_cursor=page.next_cursor)
