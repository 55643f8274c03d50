"""CPU per forwarded packet of the SFU's per-packet path alone — `fan_out` over S down-tracks, each with
its own SRTP session (AES-GCM, as DTLS-SRTP picks on this machine) and its own UDP socket sending to a
loopback sink — measured as this process's CPU time around the fan-out calls only.

The forwarding bench (bench/sfu_forwarding.py) measures the whole SFU process with real client peers;
on a machine shared with other work its rows drift and its numbers move by ±30 % from run to run. This
one leaves out everything but the path each forwarded packet takes (header rewrite, history, SRTP,
the UDP send; the sinks are drained outside the timed part), so two versions of that path compare
well even on a busy machine: run them alternately and compare the best of each (``--rounds``).

``--no-send`` replaces the socket send with nothing: what is left is the Python and SRTP part.
The last line, ``BENCH {...}``, holds the numbers as JSON. The SFU's own aiortc transports are
replaced by the few attributes `adapter.rtp_sender_of` reads (the DTLS state, `_tx_srtp`, the ICE
agent's selected pair and its `StunProtocol`): no ICE, no DTLS handshake.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import time
import types
from typing import Any

import pylibsrtp
from aioice.ice import StunProtocol
from aiortc.rtcdtlstransport import State as DtlsState

from services.common import eventloop
from services.media.sfu import adapter
from services.media.sfu.adapter import Codec, RtpParameters
from services.media.sfu.forwarding.downtrack import DownTrack
from services.media.sfu.forwarding.fanout import fan_out
from services.media.sfu.forwarding.packets import HEADER
from services.media.sfu.forwarding.uptrack import UpTrack

VP8 = Codec(96, "video/VP8", 90000)
VP8_RTX = Codec(97, "video/rtx", 90000, (("apt", "96"),))
SUB_VP8 = Codec(120, "video/VP8", 90000)
SUB_RTX = Codec(121, "video/rtx", 90000, (("apt", "120"),))
PAYLOAD = 1000  # bytes of VP8 payload: the bench clip's packets are ≈ 1,000–1,100 bytes
BATCH = 20  # packets fanned out between two drains of the sinks


class Sink(asyncio.DatagramProtocol):
    """A subscriber's socket that reads and forgets (drained between batches, outside the timing)."""


def srtp_session() -> pylibsrtp.Session:
    policy = pylibsrtp.Policy(
        key=os.urandom(44),
        ssrc_type=pylibsrtp.Policy.SSRC_ANY_OUTBOUND,
        srtp_profile=pylibsrtp.Policy.SRTP_PROFILE_AEAD_AES_256_GCM,
    )
    return pylibsrtp.Session(policy)


async def subscriber_leg(
    up: UpTrack, index: int, sink: socket.socket, send: bool
) -> tuple[DownTrack, asyncio.DatagramTransport]:
    loop = asyncio.get_running_loop()
    # What aioice's protocol calls on its ICE agent when the socket closes.
    ice_agent: Any = types.SimpleNamespace(protocol_lost=lambda protocol: None)
    udp, protocol = await loop.create_datagram_endpoint(
        lambda: StunProtocol(ice_agent), local_addr=("127.0.0.1", 0)
    )
    if not send:
        protocol.transport = types.SimpleNamespace(  # type: ignore[assignment]
            sendto=lambda data, addr: None,
            is_closing=lambda: False,
            get_extra_info=lambda name: None,
        )
    pair = types.SimpleNamespace(protocol=protocol, remote_addr=sink.getsockname())
    ice = types.SimpleNamespace(_nominated={1: pair})
    dtls: Any = types.SimpleNamespace(
        _state=DtlsState.CONNECTED,
        _tx_srtp=srtp_session(),
        transport=types.SimpleNamespace(iceGatherer=types.SimpleNamespace(_connection=ice)),
    )
    downtrack = DownTrack(
        up, 5000 + index, 6000 + index, initial_sequence=random.getrandbits(15), initial_timestamp=0
    )
    downtrack.configure(RtpParameters("0", (SUB_VP8, SUB_RTX), ()))
    downtrack.send = adapter.rtp_sender_of(dtls)
    return downtrack, udp


def drain(sinks: list[socket.socket]) -> None:
    for sink in sinks:
        while True:
            try:
                sink.recv(4096)
            except BlockingIOError:
                break


async def measure(subscribers: int, packets: int, rounds: int, send: bool) -> dict[str, float]:
    loop = asyncio.get_running_loop()
    up = UpTrack("s", "u", "camera", "video", feedback=lambda _: None, schedule=loop.call_later)
    up.bind(RtpParameters("0", (VP8, VP8_RTX), (), ssrc=1111, rtx_ssrc=1112), rtcp_ssrc=9)
    sinks: list[socket.socket] = []
    transports: list[asyncio.DatagramTransport] = []
    try:
        for index in range(subscribers):
            sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sink.bind(("127.0.0.1", 0))
            sink.setblocking(False)
            sink.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 21)
            sinks.append(sink)
            downtrack, udp = await subscriber_leg(up, index, sink, send)
            transports.append(udp)
            up.downtracks.append(downtrack)
        keyframe = bytes((0x10, 0x00)) + b"k" * PAYLOAD
        delta = bytes((0x10, 0x01)) + b"d" * PAYLOAD
        seq = 0
        per_round = []
        for _ in range(rounds):
            cpu = 0.0
            before = sum(downtrack.packets_sent for downtrack in up.downtracks)
            for _ in range(max(1, packets // BATCH)):
                batch = [
                    HEADER.pack(0x80, 0x80 | 96, (seq + k) & 0xFFFF, (seq + k) * 3000 & 0xFFFFFFFF, 1111)
                    + (keyframe if seq + k == 0 else delta)
                    for k in range(BATCH)
                ]
                seq += BATCH
                started = time.process_time()
                for packet in batch:
                    fan_out(up, packet, 1111, time.monotonic())
                cpu += time.process_time() - started
                drain(sinks)
                await asyncio.sleep(0)
            forwarded = sum(downtrack.packets_sent for downtrack in up.downtracks) - before
            per_round.append(cpu / forwarded * 1e6)
        best = min(per_round)
        return {
            "us_per_packet_best": round(best, 3),
            "us_per_packet_median": round(sorted(per_round)[len(per_round) // 2], 3),
            "packets_per_cpu_s_best": round(1e6 / best),
        }
    finally:
        for udp in transports:
            udp.close()
        for sink in sinks:
            sink.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--subscribers", type=int, default=40, help="down-tracks of the one up-track (S)")
    parser.add_argument("--packets", type=int, default=2000, help="incoming packets per round (< 10,000)")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--no-send", action="store_true", help="leave the UDP send out")
    args = parser.parse_args()
    packets = min(args.packets, 10_000)
    numbers = eventloop.run(
        measure(args.subscribers, packets, args.rounds, not args.no_send), eventloop.from_environment()
    )
    print(
        f"S={args.subscribers} send={'no' if args.no_send else 'yes'}: "
        f"best {numbers['us_per_packet_best']:.2f} µs per forwarded packet "
        f"({numbers['packets_per_cpu_s_best']:,} per CPU-second), "
        f"median {numbers['us_per_packet_median']:.2f} µs"
    )
    print("BENCH " + json.dumps({"subscribers": args.subscribers, "send": not args.no_send, **numbers}))


if __name__ == "__main__":
    main()
