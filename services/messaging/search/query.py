"""Full-text search over messages (issue 5): the `russian` configuration, so «контрольная» finds
«контрольной»; only the chats the caller is a member of now, in organisations they are a member of
now (another school's chats never, R-ORG-1); deleted messages never. Ranked, then newest first,
paged by an opaque cursor.

Highlights are plain text: the snippet is cut into segments `{text, match}` which the client puts
into the page with textContent (and <mark> elements it makes itself) — never markup from the server,
so a message `<script>…` stays text (R-CHAT-3: text is never interpreted)."""

from __future__ import annotations

import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.common.auth import Principal
from services.common.convert import parse_uuid
from services.common.db import Database
from services.common.errors import InvalidArgument
from services.messaging.chats.parts import Access
from services.messaging.search.store import GT, LT, START, STOP, SearchStore

MAX_QUERY_CHARS = 200
DEFAULT_LIMIT = 20
MAX_LIMIT = 50
MAX_OFFSET = 1000


@dataclass(frozen=True)
class Segment:
    """A piece of a highlight: plain text; `match` when it is a found word."""

    text: str
    match: bool


@dataclass(frozen=True)
class Hit:
    chat_id: uuid.UUID
    chat_title: str
    chat_kind: str
    organisation_id: uuid.UUID
    seq: int
    author_id: uuid.UUID
    created_at: datetime
    rank: float
    highlight: list[Segment]


@dataclass(frozen=True)
class SearchPage:
    hits: list[Hit]
    next_cursor: str


# --- pure functions -----------------------------------------------------------------------------
def clean_query(query: str) -> str:
    """The words to look for: control characters (the highlight markers among them) removed,
    whitespace collapsed; 1..200 characters."""
    printable = "".join(" " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in query)
    cleaned = " ".join(printable.split())
    if not cleaned:
        raise InvalidArgument("Введите, что искать")
    if len(cleaned) > MAX_QUERY_CHARS:
        raise InvalidArgument(f"Запрос длиннее {MAX_QUERY_CHARS} символов")
    return cleaned


def page_size(limit: int) -> int:
    """0: the default 20; at most 50."""
    if limit == 0:
        return DEFAULT_LIMIT
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidArgument(f"limit: от 1 до {MAX_LIMIT}")
    return limit


def parse_cursor(cursor: str) -> int:
    """The offset a cursor stands for; empty: the first page."""
    if not cursor:
        return 0
    if not cursor.isascii() or not cursor.isdigit() or int(cursor) > MAX_OFFSET:
        raise InvalidArgument("Некорректный курсор")
    return int(cursor)


def next_cursor(offset: int, limit: int, found: int) -> str:
    """The cursor of the next page, or empty when this one was the last (or paging ends)."""
    following = offset + limit
    return str(following) if found > limit and following <= MAX_OFFSET else ""


def highlight_segments(headline: str) -> list[Segment]:
    """Split a STX/ETX-marked headline into plain segments, turning EOT/ENQ back into `<`/`>`.
    Adjacent pieces of the same kind are merged; empty pieces dropped."""
    segments: list[Segment] = []
    match = False
    piece: list[str] = []

    def flush() -> None:
        if not piece:
            return
        text = "".join(piece)
        piece.clear()
        if segments and segments[-1].match == match:
            segments[-1] = Segment(segments[-1].text + text, match)
        else:
            segments.append(Segment(text, match))

    for ch in headline:
        if ch in (START, STOP):
            flush()
            match = ch == START
        elif ch == LT:
            piece.append("<")
        elif ch == GT:
            piece.append(">")
        else:
            piece.append(ch)
    flush()
    return segments


def hit_of(row: Any) -> Hit:
    return Hit(
        chat_id=row.chat_id,
        chat_title=row.chat_title,
        chat_kind=row.chat_kind,
        organisation_id=row.organisation_id,
        seq=int(row.seq),
        author_id=row.author_id,
        created_at=row.created_at,
        rank=float(row.rank),
        highlight=highlight_segments(row.headline or ""),
    )


class Search:
    def __init__(self, db: Database, store: SearchStore, access: Access) -> None:
        self._db = db
        self._store = store
        self._access = access

    async def messages(
        self,
        principal: Principal,
        query: str,
        *,
        organisation_id: str = "",
        chat_id: str = "",
        limit: int = 0,
        cursor: str = "",
    ) -> SearchPage:
        words = clean_query(query)
        size = page_size(limit)
        offset = parse_cursor(cursor)
        async with self._db.transaction("search_messages") as conn:
            org: uuid.UUID | None = None
            chat: uuid.UUID | None = None
            if organisation_id:
                await self._access.organisation_person(conn, organisation_id, principal)
                org = parse_uuid(organisation_id, "organisation_id")
            if chat_id:
                # NOT_FOUND for another school's (or another class's) chat; "join first" (R-CHAT-5)
                # for a chat the caller may see but is not a member of.
                (await self._access.chat_access(conn, chat_id, principal)).require_member()
                chat = parse_uuid(chat_id, "chat_id")
            rows = await self._store.search_messages(
                conn,
                user_id=uuid.UUID(principal.user_id),
                query=words,
                organisation_id=org,
                chat_id=chat,
                limit=size + 1,
                offset=offset,
            )
        return SearchPage([hit_of(row) for row in rows[:size]], next_cursor(offset, size, len(rows)))
