"""The SFU's per-packet SRTP protection (adapter.rtp_protector: libsrtp's `srtp_protect` on the
transport's own session, without pylibsrtp's per-call wrapper) must be what `Session.protect` is:
what it protects the receiving side's ordinary SRTP session unprotects, byte for byte the same
output, the same refusals."""

from __future__ import annotations

import os

import pylibsrtp
import pytest

from services.media.sfu import adapter
from tests.media.sfu.transports import close_pair, dtls_pair, link_of
from tests.support.waiting import until


def rtp(ssrc: int, seq: int, payload: bytes) -> bytes:
    return (
        bytes((0x80, 96))
        + seq.to_bytes(2, "big")
        + (seq * 3000).to_bytes(4, "big")
        + (ssrc.to_bytes(4, "big") + payload)
    )


def policy(key: bytes, ssrc_type: int) -> pylibsrtp.Policy:
    return pylibsrtp.Policy(key=key, ssrc_type=ssrc_type)


async def test_a_packet_protected_by_the_fast_path_is_unprotected_by_the_receivers_ordinary_session() -> None:
    """Over a real DTLS handshake: the sender's `_tx_srtp` protects through the fast path, the
    receiving transport unprotects with its own `_rx_srtp` and hands the plain packet on."""
    sender, receiver = await dtls_pair()
    received: list[bytes] = []

    async def on_rtp(data: bytes, arrival_time_ms: int) -> None:
        received.append(data)

    async def on_rtcp(data: bytes) -> None:
        return None

    adapter.take_ingress(receiver, on_rtp, on_rtcp)
    try:
        protect = adapter.rtp_protector(sender._tx_srtp)
        packets = [rtp(4242, seq, os.urandom(100 + seq)) for seq in range(1, 21)]
        for packet in packets:
            protected = protect(packet)
            assert protected != packet
            await link_of(sender)._send(protected)
        await until(lambda: len(received) == len(packets), within=5.0, what="the protected packets")
        assert received == packets
    finally:
        await close_pair(sender, receiver)


def test_the_fast_path_protects_to_the_same_bytes_as_pylibsrtp() -> None:
    key = bytes(range(30))
    ordinary = pylibsrtp.Session(policy(key, pylibsrtp.Policy.SSRC_ANY_OUTBOUND))
    fast = adapter.rtp_protector(pylibsrtp.Session(policy(key, pylibsrtp.Policy.SSRC_ANY_OUTBOUND)))
    packets = [rtp(ssrc, seq, os.urandom(seq * 50)) for seq in range(1, 25) for ssrc in (1, 2)]
    assert [fast(packet) for packet in packets] == [ordinary.protect(packet) for packet in packets]


def test_a_packet_too_long_for_the_buffer_is_refused_like_pylibsrtp_refuses_it() -> None:
    key = bytes(range(30))
    too_long = rtp(7, 1, bytes(1500 - pylibsrtp.SRTP_MAX_TRAILER_LEN - 12 + 1))
    ordinary = pylibsrtp.Session(policy(key, pylibsrtp.Policy.SSRC_ANY_OUTBOUND))
    fast = adapter.rtp_protector(pylibsrtp.Session(policy(key, pylibsrtp.Policy.SSRC_ANY_OUTBOUND)))
    with pytest.raises(ValueError, match="too long"):
        ordinary.protect(too_long)
    with pytest.raises(ValueError, match="too long"):
        fast(too_long)
    longest = too_long[:-1]
    assert fast(longest) == ordinary.protect(longest)


def test_a_libsrtp_failure_raises_pylibsrtps_error_with_its_message() -> None:
    """A session with no stream for the packet's SSRC: libsrtp finds no context to protect with."""
    packet = rtp(9, 1, b"x" * 20)
    with pytest.raises(pylibsrtp.Error) as ordinary:
        pylibsrtp.Session().protect(packet)
    with pytest.raises(pylibsrtp.Error) as fast:
        adapter.rtp_protector(pylibsrtp.Session())(packet)
    assert str(fast.value) == str(ordinary.value)
