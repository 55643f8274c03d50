"""Full-text search's SQL: the messages of the chats a person is a member of now, in organisations
they are a member of now, matched with the `russian` configuration against the stored generated
`messages.search_vector` (GIN-indexed, migrations/versions/0004_search_links.py), ranked by
`ts_rank` then newest first, with a `ts_headline` snippet computed only for the page's rows.

The snippet is made safe for plain-text segmenting here: the markers are the control characters
STX/ETX, which are removed from the text first, and `<`/`>` are swapped for EOT/ENQ so the
headline parser sees no HTML tags to drop (query.py swaps them back)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncConnection

START, STOP, LT, GT = "\x02", "\x03", "\x04", "\x05"
# translate(): `<` → EOT, `>` → ENQ, and the four marker characters themselves removed.
TRANSLATE_FROM = "<>" + START + STOP + LT + GT
TRANSLATE_TO = LT + GT
# A short message is shown whole; a longer one as up to three fragments around the found words.
WHOLE_TEXT_CHARS = 300
WHOLE_OPTIONS = f"StartSel={START}, StopSel={STOP}, HighlightAll=true"
FRAGMENT_OPTIONS = (
    f"StartSel={START}, StopSel={STOP}, MaxFragments=3, MaxWords=30, MinWords=10, ShortWord=2, "
    'FragmentDelimiter=" … "'
)

_SEARCH = """
WITH q AS (SELECT websearch_to_tsquery('russian', :query) AS query),
hits AS (
    SELECT m.chat_id, m.seq, m.author_id, m.created_at, m.text,
           c.title AS chat_title, c.kind AS chat_kind, c.organisation_id,
           ts_rank(m.search_vector, q.query) AS rank
    FROM q
    JOIN messages m ON m.search_vector @@ q.query
    JOIN chat_members cm ON cm.chat_id = m.chat_id AND cm.user_id = :user_id
    JOIN chats c ON c.id = m.chat_id
    JOIN dir_members dm
      ON dm.organisation_id = c.organisation_id AND dm.user_id = :user_id AND cardinality(dm.roles) > 0
    WHERE m.deleted_at IS NULL {filters}
    ORDER BY rank DESC, m.created_at DESC, m.chat_id, m.seq DESC
    LIMIT :limit OFFSET :offset
)
SELECT hits.chat_id, hits.seq, hits.author_id, hits.created_at, hits.chat_title, hits.chat_kind,
       hits.organisation_id, hits.rank,
       ts_headline('russian', translate(hits.text, :tr_from, :tr_to), q.query,
                   CASE WHEN length(hits.text) <= :whole_chars THEN :whole ELSE :fragments END) AS headline
FROM hits, q
ORDER BY hits.rank DESC, hits.created_at DESC, hits.chat_id, hits.seq DESC
"""


class SearchStore:
    async def search_messages(
        self,
        conn: AsyncConnection,
        *,
        user_id: uuid.UUID,
        query: str,
        organisation_id: uuid.UUID | None,
        chat_id: uuid.UUID | None,
        limit: int,
        offset: int,
    ) -> Sequence[Row[Any]]:
        """Up to `limit` hits from `offset` on; `headline` holds STX/ETX-marked plain text."""
        filters = ""
        params: dict[str, Any] = {
            "query": query,
            "user_id": user_id,
            "limit": limit,
            "offset": offset,
            "tr_from": TRANSLATE_FROM,
            "tr_to": TRANSLATE_TO,
            "whole_chars": WHOLE_TEXT_CHARS,
            "whole": WHOLE_OPTIONS,
            "fragments": FRAGMENT_OPTIONS,
        }
        if organisation_id is not None:
            filters += " AND c.organisation_id = :organisation_id"
            params["organisation_id"] = organisation_id
        if chat_id is not None:
            filters += " AND m.chat_id = :chat_id"
            params["chat_id"] = chat_id
        result = await conn.execute(text(_SEARCH.format(filters=filters)), params)
        return result.all()
