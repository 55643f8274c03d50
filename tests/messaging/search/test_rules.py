"""The pure parts of full-text search (services/messaging/search.py): cleaning the query, paging,
and cutting a marked headline into plain-text segments."""

from __future__ import annotations

import pytest

from services.common.errors import InvalidArgument
from services.messaging.search.query import (
    MAX_OFFSET,
    Segment,
    clean_query,
    highlight_segments,
    next_cursor,
    page_size,
    parse_cursor,
)


def test_query_loses_control_characters_and_extra_whitespace() -> None:
    assert clean_query("  домашнее\x02 \x03задание\n\t ") == "домашнее задание"
    assert clean_query("a\x00b") == "a b"


@pytest.mark.parametrize("query", ["", "   ", "\x02\x03", "\u200b", "я" * 201])
def test_blank_or_too_long_queries_are_refused(query: str) -> None:
    with pytest.raises(InvalidArgument):
        clean_query(query)


def test_page_size_defaults_to_twenty_and_is_at_most_fifty() -> None:
    assert page_size(0) == 20
    assert page_size(50) == 50
    for wrong in (-1, 51):
        with pytest.raises(InvalidArgument):
            page_size(wrong)


def test_cursor_is_an_offset_within_bounds() -> None:
    assert parse_cursor("") == 0
    assert parse_cursor("40") == 40
    for wrong in ("-1", "abc", "٣", str(MAX_OFFSET + 1)):
        with pytest.raises(InvalidArgument):
            parse_cursor(wrong)


def test_next_cursor_only_when_more_was_found() -> None:
    assert next_cursor(0, 20, 21) == "20"
    assert next_cursor(20, 20, 20) == ""
    assert next_cursor(MAX_OFFSET, 20, 21) == ""


def test_headline_becomes_plain_segments_with_matches_marked() -> None:
    headline = "Завтра \x02контрольной\x03 не будет, \x02контрольная\x03"
    assert highlight_segments(headline) == [
        Segment("Завтра ", False),
        Segment("контрольной", True),
        Segment(" не будет, ", False),
        Segment("контрольная", True),
    ]


def test_markup_in_a_headline_comes_back_as_text() -> None:
    headline = "\x04script\x05alert('\x02экзамен\x03')\x04/script\x05"
    segments = highlight_segments(headline)
    assert "".join(s.text for s in segments) == "<script>alert('экзамен')</script>"
    assert [s.text for s in segments if s.match] == ["экзамен"]


def test_adjacent_marked_words_merge_and_empty_pieces_vanish() -> None:
    assert highlight_segments("\x02а\x03\x02б\x03") == [Segment("аб", True)]
    assert highlight_segments("") == []
    assert highlight_segments("\x02\x03текст") == [Segment("текст", False)]
