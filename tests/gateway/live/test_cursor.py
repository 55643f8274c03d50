"""The pure piece of live delivery: history and held live events merged with no gap and no duplicate."""

from __future__ import annotations

from parta.messaging.v1 import messaging_pb2 as pb
from services.gateway.live.protocol import ChatCursor, ProtocolError, Subscribe, parse_frame

CHAT = "c1"


def message(seq: int, text: str = "") -> pb.ChatMessage:
    return pb.ChatMessage(chat_id=CHAT, seq=seq, text=text or f"m{seq}")


def posted(seq: int) -> pb.LiveChatEvent:
    return pb.LiveChatEvent(chat_id=CHAT, kind=pb.LIVE_EVENT_KIND_MESSAGE_POSTED, message=message(seq))


def edited(seq: int, text: str) -> pb.LiveChatEvent:
    return pb.LiveChatEvent(chat_id=CHAT, kind=pb.LIVE_EVENT_KIND_MESSAGE_EDITED, message=message(seq, text))


def seqs(frames: list[tuple[str, pb.ChatMessage]]) -> list[tuple[str, int]]:
    return [(kind, m.seq) for kind, m in frames]


def test_live_events_during_catch_up_are_held_and_merged_without_duplicates() -> None:
    cursor = ChatCursor(last_seq=3)
    # Live events arrive while history is read: 5 and 6 are already in the history page, 7 is not.
    for seq in (5, 6, 7):
        assert cursor.offer(posted(seq)) == ([], False)
    assert seqs(cursor.history([message(4), message(5), message(6)])) == [
        ("message", 4),
        ("message", 5),
        ("message", 6),
    ]
    frames, gap = cursor.caught_up()
    assert (seqs(frames), gap) == ([("message", 7)], False)
    # Live from now on: an echo of an old one is dropped, the next one goes straight out.
    assert cursor.offer(posted(6)) == ([], False)
    frames, gap = cursor.offer(posted(8))
    assert (seqs(frames), gap) == ([("message", 8)], False)
    assert cursor.last_seq == 8


def test_history_already_sent_is_not_sent_again() -> None:
    cursor = ChatCursor(last_seq=5)
    assert seqs(cursor.history([message(4), message(5), message(6)])) == [("message", 6)]


def test_a_message_ahead_waits_for_its_neighbour_and_both_go_out_in_order() -> None:
    """Two sends to one chat may reach NATS in either order: 3 waits, 2 arrives, both go out."""
    cursor = ChatCursor(last_seq=0)
    assert cursor.caught_up() == ([], False)
    frames, gap = cursor.offer(posted(1))
    assert seqs(frames) == [("message", 1)]
    assert cursor.offer(posted(3)) == ([], True)
    assert cursor.still_missing()
    assert not cursor.catching_up
    frames, gap = cursor.offer(posted(2))
    assert (seqs(frames), gap) == ([("message", 2), ("message", 3)], False)
    assert cursor.last_seq == 3
    assert not cursor.still_missing()


def test_a_message_still_missing_after_the_wait_is_read_from_history() -> None:
    cursor = ChatCursor(last_seq=0)
    cursor.caught_up()
    cursor.offer(posted(1))
    assert cursor.offer(posted(3)) == ([], True)  # 2 was lost
    cursor.start_refill()
    assert cursor.catching_up
    assert cursor.offer(posted(4)) == ([], False)  # held while history is read
    assert seqs(cursor.history([message(2), message(3)])) == [("message", 2), ("message", 3)]
    frames, gap = cursor.caught_up()
    assert (seqs(frames), gap) == ([("message", 4)], False)  # the held 3 is a duplicate now
    assert cursor.last_seq == 4


def test_a_gap_left_in_held_events_asks_for_history_again() -> None:
    cursor = ChatCursor(last_seq=1)
    cursor.offer(posted(2))
    cursor.offer(posted(4))
    frames, gap = cursor.caught_up()
    assert (seqs(frames), gap) == ([("message", 2)], True)
    assert seqs(cursor.history([message(3), message(4)])) == [("message", 3), ("message", 4)]
    assert cursor.caught_up() == ([], False)


def test_edits_go_out_for_messages_the_client_has_and_wait_for_the_others() -> None:
    cursor = ChatCursor(last_seq=2)
    cursor.caught_up()
    frames, gap = cursor.offer(edited(2, "fixed"))
    assert (seqs(frames), gap) == ([("message_edited", 2)], False)
    assert frames[0][1].text == "fixed"
    # An edit of a message never sent: read history first, then the edit follows it.
    assert cursor.offer(edited(3, "x")) == ([], True)
    cursor.start_refill()
    assert seqs(cursor.history([message(3, "x")])) == [("message", 3)]
    frames, gap = cursor.caught_up()
    assert (seqs(frames), gap) == ([("message_edited", 3)], False)


def test_frames_are_parsed_strictly() -> None:
    assert parse_frame('{"type":"subscribe","chats":{"a":0,"b":7}}') == Subscribe({"a": 0, "b": 7})
    for bad in (
        "not json",
        "[]",
        '{"type":"nope"}',
        '{"type":"auth"}',
        '{"type":"subscribe","chats":{"a":-1}}',
        '{"type":"subscribe","chats":{"a":true}}',
        '{"type":"subscribe","chats":["a"]}',
        '{"type":"unsubscribe","chats":[""]}',
    ):
        try:
            parse_frame(bad)
        except ProtocolError:
            continue
        raise AssertionError(f"accepted {bad!r}")
