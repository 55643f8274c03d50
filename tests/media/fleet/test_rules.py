"""The fleet's plain rules: where a new call goes (placement/rules.py), when a process counts as
gone, and how a node's settings give each of its processes its own ports (sfu/config.py)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.media.placement.rules import Candidate, is_lost, least_loaded
from services.media.sfu.config import SfuSettings, udp_slice


def test_a_new_call_goes_to_the_process_with_fewest_participants_then_fewest_calls() -> None:
    fleet = [Candidate("a", participants=9, calls=1), Candidate("b", participants=3, calls=3)]
    assert least_loaded(fleet) == "b"
    tied = [Candidate("a", participants=4, calls=2), Candidate("b", participants=4, calls=1)]
    assert least_loaded(tied) == "b"


def test_calls_placed_since_the_last_heartbeat_count_so_a_burst_is_spread() -> None:
    fleet = [Candidate("a", 0, 0, placed_since=1), Candidate("b", 0, 0)]
    assert least_loaded(fleet) == "b"


def test_the_process_a_call_leaves_is_never_chosen_and_none_left_is_none() -> None:
    fleet = [Candidate("a", 0, 0), Candidate("b", 50, 5)]
    assert least_loaded(fleet, avoid="a") == "b"
    assert least_loaded([Candidate("a", 0, 0)], avoid="a") is None
    assert least_loaded([]) is None


def test_a_process_is_lost_after_the_ttl_or_two_missed_heartbeats_once_its_stream_broke() -> None:
    assert not is_lost(silent_for=3.0, suspected=False, heartbeat_seconds=2, ttl_seconds=10)
    assert is_lost(silent_for=10.5, suspected=False, heartbeat_seconds=2, ttl_seconds=10)
    assert not is_lost(silent_for=3.0, suspected=True, heartbeat_seconds=2, ttl_seconds=10)
    assert is_lost(silent_for=4.5, suspected=True, heartbeat_seconds=2, ttl_seconds=10)


def test_each_process_of_a_node_gets_its_own_ports_and_udp_slice() -> None:
    node = SfuSettings(grpc_port=50055, metrics_port=9105, sfu_processes="4", sfu_udp_ports="40000-40999")
    third = node.for_process(2)
    assert (third.grpc_port, third.metrics_port) == (50057, 9107)
    assert [node.for_process(i).udp_ports for i in range(4)] == [
        (40000, 40249),
        (40250, 40499),
        (40500, 40749),
        (40750, 40999),
    ]
    assert udp_slice((40000, 40002), 1, 2) == (40001, 40002)  # the last takes the remainder
    assert SfuSettings(sfu_udp_ports="").udp_ports is None
    assert SfuSettings(sfu_processes="auto").process_count >= 1


def test_bad_fleet_settings_are_refused_with_their_name() -> None:
    with pytest.raises(ValidationError, match="sfu_processes"):
        SfuSettings(sfu_processes="many")
    with pytest.raises(ValidationError, match="sfu_udp_ports"):
        SfuSettings(sfu_udp_ports="40999-40000")
    with pytest.raises(ValueError, match="too small"):
        udp_slice((40000, 40001), 0, 3)
