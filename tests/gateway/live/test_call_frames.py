"""The call frames of the live channel (services/gateway/live/calls.py, protocol.py), read and written
without a network: what a client may ask, what it is refused as bad input (with the request's id),
and how media's live events and messaging's chat call events become frames."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from parta.media.v1 import media_pb2 as mpb
from parta.messaging.v1 import messaging_pb2 as pb
from services.gateway.live.calls import (
    Ice,
    Negotiate,
    SubscribeCall,
    Track,
    Visible,
    call_event_frame,
    chat_call_frame,
)
from services.gateway.live.protocol import ProtocolError, parse_frame

OFFER = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n"


def frame(**fields: Any) -> str:
    return json.dumps(fields)


def negotiate(**changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "type": "call.negotiate",
        "id": "r1",
        "call_id": "c",
        "session_id": "s",
        "role": "publisher",
        "description": {"type": "offer", "sdp": OFFER},
        "tracks": [{"mid": "0", "kind": "audio", "source": "microphone"}],
    }
    fields.update(changes)
    return fields


def test_a_publisher_offer_with_its_tracks_is_read() -> None:
    assert parse_frame(json.dumps(negotiate())) == Negotiate(
        "r1", "c", "s", "publisher", "offer", OFFER, (Track("0", "audio", mpb.TRACK_SOURCE_MICROPHONE),)
    )


def test_a_subscriber_answers_and_a_publisher_offers_never_the_other_way_round() -> None:
    answer = negotiate(role="subscriber", description={"type": "answer", "sdp": OFFER}, tracks=[])
    assert isinstance(parse_frame(json.dumps(answer)), Negotiate)
    for wrong in (
        negotiate(role="subscriber"),  # a subscriber "offer"
        negotiate(description={"type": "answer", "sdp": OFFER}),  # a publisher "answer"
    ):
        with pytest.raises(ProtocolError) as refused:
            parse_frame(json.dumps(wrong))
        assert refused.value.request_id == "r1"


@pytest.mark.parametrize(
    ("changes", "complaint"),
    [
        ({"id": ""}, "id"),
        ({"call_id": 5}, "call_id"),
        ({"session_id": "x" * 65}, "session_id"),
        ({"role": "viewer"}, "role"),
        ({"description": "sdp"}, "description"),
        ({"description": {"type": "offer", "sdp": ""}}, "sdp"),
        ({"description": {"type": "offer", "sdp": "x" * 100_001}}, "sdp"),
        ({"tracks": [{"mid": "0", "kind": "smell", "source": "microphone"}]}, "kind"),
        ({"tracks": [{"mid": "0", "kind": "video", "source": "webcam"}]}, "source"),
        ({"tracks": [{"mid": str(n), "kind": "audio", "source": "microphone"} for n in range(17)]}, "tracks"),
    ],
)
def test_a_bad_negotiate_frame_is_refused_naming_what_is_wrong(
    changes: dict[str, Any], complaint: str
) -> None:
    with pytest.raises(ProtocolError, match=complaint):
        parse_frame(json.dumps(negotiate(**changes)))


def test_subscribe_ice_and_visible_frames_are_read() -> None:
    assert parse_frame(frame(type="call.subscribe", id="r2", call_id="c", session_id="s")) == SubscribeCall(
        "r2", "c", "s"
    )
    candidate = {
        "candidate": "candidate:1 1 udp 1 127.0.0.1 5000 typ host",
        "sdp_mid": "0",
        "sdp_mline_index": 0,
    }
    assert parse_frame(
        frame(type="call.ice", call_id="c", session_id="s", role="subscriber", candidate=candidate)
    ) == Ice("", "c", "s", "subscriber", candidate["candidate"], "0", 0)
    # The end of candidates: an empty candidate, as a browser's null candidate becomes.
    end = {"candidate": "", "sdp_mid": None, "sdp_mline_index": None}
    assert parse_frame(
        frame(type="call.ice", id="r3", call_id="c", session_id="s", role="publisher", candidate=end)
    ) == Ice("r3", "c", "s", "publisher", "", "", 0)
    assert parse_frame(
        frame(type="call.visible", call_id="c", session_id="s", sessions=["a", "b"])
    ) == Visible("", "c", "s", ("a", "b"))


def test_bad_subscribe_ice_visible_and_unknown_call_frames_are_refused() -> None:
    for bad in (
        frame(type="call.subscribe", call_id="c", session_id="s"),  # no id to answer with
        frame(type="call.ice", call_id="c", session_id="s", role="publisher", candidate="x"),
        frame(
            type="call.ice",
            call_id="c",
            session_id="s",
            role="publisher",
            candidate={"candidate": "", "sdp_mline_index": -1},
        ),
        frame(type="call.visible", call_id="c", session_id="s", sessions="all"),
        frame(type="call.visible", call_id="c", session_id="s", sessions=["a"] * 101),
        frame(type="call.dance", id="r9", call_id="c", session_id="s"),
    ):
        with pytest.raises(ProtocolError):
            parse_frame(bad)


def test_media_live_events_become_the_call_frames_of_the_brief() -> None:
    joined = mpb.Participant(
        call_id="c", user_id="u", session_id="s1", state=mpb.MediaState(mic=True), may_publish=True
    )
    joined.joined_at.FromDatetime(datetime(2026, 12, 3, 10, 0, tzinfo=UTC))
    participants = mpb.LiveCallEvent(call_id="c", participants=mpb.ParticipantList(participants=[joined]))
    assert json.loads(call_event_frame(participants.SerializeToString()) or "") == {
        "type": "call.participants",
        "call_id": "c",
        "session_id": "",
        "participants": [
            {
                "user_id": "u",
                "session_id": "s1",
                "state": {"mic": True, "camera": False, "screen": False, "hand_raised": False},
                "may_publish": True,
                "joined_at": "2026-12-03T10:00:00Z",
            }
        ],
    }
    offer = mpb.LiveCallEvent(
        call_id="c",
        session_id="s1",
        subscriber_offer=mpb.SubscriberOffer(
            description=mpb.SessionDescription(type="offer", sdp=OFFER),
            tracks=[
                mpb.TrackInfo(
                    mid="0", kind="video", source=mpb.TRACK_SOURCE_SCREEN, user_id="v", session_id="s2"
                )
            ],
        ),
    )
    assert json.loads(call_event_frame(offer.SerializeToString()) or "") == {
        "type": "call.offer",
        "call_id": "c",
        "session_id": "s1",
        "description": {"type": "offer", "sdp": OFFER},
        "tracks": [
            {
                "mid": "0",
                "kind": "video",
                "source": "screen",
                "user_id": "v",
                "session_id": "s2",
                "muted": False,
            }
        ],
    }
    speaker = mpb.LiveCallEvent(call_id="c", active_speaker=mpb.ActiveSpeaker(user_id="v", session_id="s2"))
    assert json.loads(call_event_frame(speaker.SerializeToString()) or "")["speaker"] == {
        "user_id": "v",
        "session_id": "s2",
    }
    muted = mpb.LiveCallEvent(
        call_id="c", session_id="s1", muted=mpb.Muted(source=mpb.TRACK_SOURCE_MICROPHONE, by_user_id="m")
    )
    assert json.loads(call_event_frame(muted.SerializeToString()) or "") == {
        "type": "call.muted",
        "call_id": "c",
        "session_id": "s1",
        "source": "microphone",
        "by_user_id": "m",
    }
    closed = mpb.LiveCallEvent(
        call_id="c", session_id="s1", closed=mpb.SessionClosed(reason=mpb.LEFT_REASON_REMOVED)
    )
    assert json.loads(call_event_frame(closed.SerializeToString()) or "")["reason"] == "removed"


def test_what_is_not_a_call_event_gives_no_frame() -> None:
    assert call_event_frame(b"\xff\xff not protobuf") is None
    assert call_event_frame(mpb.LiveCallEvent(call_id="c").SerializeToString()) is None


def test_a_chat_call_frame_carries_the_call_while_in_progress_and_no_call_key_after() -> None:
    event = pb.LiveChatEvent(
        chat_id="chat",
        kind=pb.LIVE_EVENT_KIND_CALL_CHANGED,
        call=pb.ChatCall(id="c", participant_count=3),
    )
    event.call.started_at.FromDatetime(datetime(2026, 12, 3, 9, 30, tzinfo=UTC))
    assert json.loads(chat_call_frame(event)) == {
        "type": "chat_call",
        "chat_id": "chat",
        "call": {"id": "c", "started_at": "2026-12-03T09:30:00Z", "participant_count": 3},
    }
    ended = pb.LiveChatEvent(chat_id="chat", kind=pb.LIVE_EVENT_KIND_CALL_CHANGED)
    assert json.loads(chat_call_frame(ended)) == {"type": "chat_call", "chat_id": "chat"}
