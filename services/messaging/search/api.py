"""Messaging's gRPC service `parta.messaging.v1.Search` (issue 5): reads the request, asks `query.Search`,
shapes the reply."""

from __future__ import annotations

from typing import Any, TypeAlias

from parta.messaging.v1 import search_pb2, search_pb2_grpc
from services.common.auth import current_principal
from services.common.convert import to_timestamp
from services.messaging.chats.parts import kind_value
from services.messaging.search.query import Hit, Search

Context: TypeAlias = Any  # grpc.aio.ServicerContext (grpcio ships no type hints)

SERVICE_NAME = "parta.messaging.v1.Search"


def hit_pb(hit: Hit) -> search_pb2.SearchHit:
    return search_pb2.SearchHit(
        chat_id=str(hit.chat_id),
        chat_title=hit.chat_title,
        chat_kind=kind_value(hit.chat_kind),
        organisation_id=str(hit.organisation_id),
        seq=hit.seq,
        author_id=str(hit.author_id),
        created_at=to_timestamp(hit.created_at),
        highlight=[search_pb2.HighlightSegment(text=s.text, match=s.match) for s in hit.highlight],
        rank=hit.rank,
    )


class SearchApi(search_pb2_grpc.SearchServicer):
    def __init__(self, search: Search) -> None:
        self._search = search

    async def SearchMessages(
        self, request: search_pb2.SearchMessagesRequest, context: Context
    ) -> search_pb2.SearchMessagesResponse:
        page = await self._search.messages(
            current_principal(),
            request.query,
            organisation_id=request.organisation_id,
            chat_id=request.chat_id,
            limit=request.limit,
            cursor=request.cursor,
        )
        return search_pb2.SearchMessagesResponse(
            hits=[hit_pb(h) for h in page.hits], next_cursor=page.next_cursor
        )
