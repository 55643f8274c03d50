"""The pure rules of calls (services/media/calls/rules.py) and the ICE servers handed to clients
(services/media/calls/ice.py)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest

from services.common.errors import PermissionDenied
from services.media.calls.ice import IceServer, ice_servers
from services.media.calls.parts import Standing
from services.media.calls.rules import (
    MediaState,
    StateChange,
    call_ends,
    check_may_join,
    check_may_moderate,
    duration_seconds,
    may_publish,
    muted,
    participant_seconds,
    state_after,
)

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def standing(**rights: bool) -> Standing:
    values = {"may_read": True, "may_post": True, "blocked": False, "may_moderate": False}
    values.update(rights)
    return Standing(chat_id="c", organisation_id="o", **values)


def test_a_member_who_reads_the_chat_joins_and_publishes() -> None:
    """R-MEDIA-3."""
    check_may_join(standing())
    assert may_publish(standing())


def test_who_may_not_read_the_chat_now_does_not_join() -> None:
    """R-MEDIA-3: seeing a chat (its audience, an invitee) is not reading it."""
    with pytest.raises(PermissionDenied) as refused:
        check_may_join(standing(may_read=False, may_post=False))
    assert refused.value.rule == "R-MEDIA-3"


def test_blocked_member_listens_but_does_not_publish() -> None:
    """R-MEDIA-3 with R-MOD-3: a blocked member joins listen-only."""
    blocked = standing(blocked=True, may_post=False)
    check_may_join(blocked)
    assert not may_publish(blocked)


def test_only_moderators_mute_and_remove() -> None:
    """R-MOD-1."""
    check_may_moderate(standing(may_moderate=True))
    with pytest.raises(PermissionDenied):
        check_may_moderate(standing())


def test_a_listen_only_session_turns_nothing_on_but_may_raise_its_hand() -> None:
    quiet = MediaState()
    with pytest.raises(PermissionDenied) as refused:
        state_after(quiet, StateChange(mic=True), may_publish=False)
    assert refused.value.rule == "R-MEDIA-3"
    assert state_after(quiet, StateChange(hand_raised=True), may_publish=False) == MediaState(
        hand_raised=True
    )
    assert state_after(MediaState(mic=True), StateChange(mic=False), may_publish=False) == MediaState()


def test_a_state_change_changes_only_what_it_names() -> None:
    before = MediaState(mic=True, camera=True)
    after = state_after(before, StateChange(screen=True), may_publish=True)
    assert after == MediaState(mic=True, camera=True, screen=True)


def test_a_moderators_mute_turns_off_only_that_source() -> None:
    everything = MediaState(mic=True, camera=True, screen=True, hand_raised=True)
    assert muted(everything, "microphone") == MediaState(camera=True, screen=True, hand_raised=True)
    assert muted(everything, "screen") == MediaState(mic=True, camera=True, hand_raised=True)


def test_the_call_ends_only_when_the_last_session_leaves() -> None:
    """R-MEDIA-1: no time limit; the last one out ends it."""
    assert not call_ends(1)
    assert call_ends(0)


def test_duration_is_whole_seconds() -> None:
    assert duration_seconds(NOW, NOW + timedelta(minutes=3, seconds=7, milliseconds=900)) == 187


def test_participant_time_counts_overlapping_devices_once() -> None:
    """R-STAT-1: a phone and a laptop at once count once; a gap is not counted."""
    minute = timedelta(minutes=1)
    times = participant_seconds(
        [
            ("anna", NOW, NOW + 10 * minute),  # laptop
            ("anna", NOW + 5 * minute, NOW + 12 * minute),  # phone, overlapping
            ("anna", NOW + 20 * minute, NOW + 21 * minute),  # back after a gap
            ("boris", NOW + 2 * minute, NOW + 3 * minute),
        ]
    )
    assert times == {"anna": 13 * 60, "boris": 60}


def test_stun_servers_come_without_credentials() -> None:
    servers = ice_servers(
        "u1",
        NOW,
        stun_urls=["stun:stun.school.example:3478"],
        turn_urls=[],
        turn_secret="",
        turn_ttl_seconds=3600,
    )
    assert servers == [IceServer(urls=("stun:stun.school.example:3478",))]


def test_turn_credentials_follow_coturns_rest_api_convention() -> None:
    """username "<expiry>:<user>", credential base64(HMAC-SHA1(secret, username))."""
    servers = ice_servers(
        "u1",
        NOW,
        stun_urls=[],
        turn_urls=[
            "turn:turn.school.example:3478?transport=udp",
            "turns:turn.school.example:443?transport=tcp",
        ],
        turn_secret="s3cret",
        turn_ttl_seconds=3600,
    )
    assert len(servers) == 1
    turn = servers[0]
    expiry = int(NOW.timestamp()) + 3600
    assert turn.username == f"{expiry}:u1"
    expected = base64.b64encode(hmac.new(b"s3cret", turn.username.encode(), hashlib.sha1).digest()).decode()
    assert turn.credential == expected


def test_no_turn_without_a_secret() -> None:
    servers = ice_servers(
        "u1", NOW, stun_urls=[], turn_urls=["turn:t:3478"], turn_secret="", turn_ttl_seconds=60
    )
    assert servers == []
