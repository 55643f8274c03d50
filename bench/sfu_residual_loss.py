"""Which video packets stay lost at 3 % induced loss, and why: the SFU's own down-track (its history,
RTX, the once-per-RTT gate, MAX_RESENDS) against a subscriber's NACK policy, packet by packet, with no
network and no clock but the simulated one — so millions of packets take seconds and every packet
never recovered gets a cause.

The subscriber leg drops a share of what reaches it (``--loss``, default 3 %), RTX included, at random
(the forwarding bench's loss model). Two receivers ask for what they miss:

- ``aiortc``   — aiortc's own `NackGenerator` (the forwarding bench's subscribers): a NACK listing every
  missing number when a packet reveals a NEW gap, never otherwise; a number is forgotten once it is
  128 packets (`RTP_HISTORY_SIZE`) behind the newest.
- ``periodic`` — a browser's way (libwebrtc's NackRequester): every missing number asked for again
  each round trip until it arrives, up to 10 times.

For each, the residual loss (numbers never received) and, for each such number, why: the SFU gave up
(MAX_RESENDS answers, every one lost), a NACK the SFU did not answer (the RTT gate, the history), or
every NACK answered and the receiver asked no more. Run ``python bench/sfu_residual_loss.py``; the last
line, ``BENCH {...}``, holds the numbers as JSON.

What it showed (2026-12-03, 10 × 60,000 packets at 90 packets/s): with aiortc's receiver ≈ 0.003 %
of the packets stay lost, every one of them answered each time it was asked for: its RTX was lost too
and no new gap came before the receiver forgot it. With a receiver that asks again each RTT, none.
"""

from __future__ import annotations

import argparse
import collections
import json
import random
from dataclasses import dataclass, field

from aiortc.rtcrtpreceiver import NackGenerator
from aiortc.rtp import RtpPacket

from services.media.sfu.adapter import Codec, RtpParameters
from services.media.sfu.forwarding.downtrack import MAX_RESENDS, DownTrack
from services.media.sfu.forwarding.packets import HEADER
from services.media.sfu.forwarding.uptrack import UpTrack

VP8 = Codec(96, "video/VP8", 90000)
VP8_RTX = Codec(97, "video/rtx", 90000, (("apt", "96"),))
SUB_VP8 = Codec(120, "video/VP8", 90000)
SUB_RTX = Codec(121, "video/rtx", 90000, (("apt", "120"),))
RATE = 90.0  # video packets per second (the bench's clip)
RTT = 0.002  # loopback
PERIODIC_TRIES = 10  # libwebrtc's kMaxNackRetries
GAVE_UP = "the SFU gave up: MAX_RESENDS answers, every one lost"
UNANSWERED = "a NACK the SFU did not answer (RTT gate, history)"
NOT_ASKED = "every NACK answered, the RTX lost, the receiver asked no more"


@dataclass
class Outcome:
    packets: int = 0
    lost_on_leg: int = 0
    never_recovered: int = 0
    causes: collections.Counter[str] = field(default_factory=collections.Counter)

    def add(self, other: Outcome) -> None:
        self.packets += other.packets
        self.lost_on_leg += other.lost_on_leg
        self.never_recovered += other.never_recovered
        self.causes.update(other.causes)


def downtrack() -> tuple[UpTrack, DownTrack]:
    up = UpTrack("s", "u", "camera", "video", feedback=lambda _: None, schedule=lambda *_: None)
    up.bind(RtpParameters("0", (VP8, VP8_RTX), (), ssrc=1, rtx_ssrc=2), rtcp_ssrc=9)
    down = DownTrack(up, 50, 51, initial_sequence=0, initial_timestamp=0)
    down.configure(RtpParameters("0", (SUB_VP8, SUB_RTX), ()))
    down.rtt = RTT  # as the subscriber's receiver reports would tell it
    return up, down


def simulate(receiver: str, packets: int, loss: float, seed: int) -> Outcome:
    """One subscriber leg of `packets` video packets (< 65,536: sequence numbers do not wrap)."""
    rnd = random.Random(seed)
    up, down = downtrack()
    generator = NackGenerator()
    received: set[int] = set()
    lost: set[int] = set()
    asked: collections.Counter[int] = collections.Counter()
    answered: collections.Counter[int] = collections.Counter()
    pending: dict[int, list[float]] = {}  # periodic receiver: number → [tries, last asked]

    def arrive(seq: int) -> bool:
        received.add(seq)
        pending.pop(seq, None)
        return generator.add(RtpPacket(sequence_number=seq))

    def nack(numbers: list[int], now: float) -> None:
        asked.update(numbers)
        for rtx in down.on_nack(numbers, now + RTT / 2):
            original = rtx[12] << 8 | rtx[13]
            answered[original] += 1
            if rnd.random() >= loss:
                arrive(original)

    for i in range(packets):
        now = i / RATE
        payload = b"\x10\x00key" if i == 0 else b"\x10\x01delta"
        parsed = up.on_packet(HEADER.pack(0x80, 96, i, i * 1000, 1) + payload, 1, now)
        assert parsed is not None
        packet = down.rewrite(1, *parsed, now=now)
        assert packet is not None
        seq = packet[2] << 8 | packet[3]
        if receiver == "periodic":
            due = [n for n, (tries, last) in pending.items() if tries < PERIODIC_TRIES and now - last >= RTT]
            for n in due:
                pending[n][0] += 1
                pending[n][1] = now
            if due:
                nack(due, now)
        if rnd.random() < loss:
            lost.add(seq)
            continue
        if arrive(seq):
            if receiver == "aiortc":
                nack(sorted(generator.missing), now)
            else:
                fresh = [n for n in generator.missing if n not in pending and n not in received]
                for n in fresh:
                    pending[n] = [1, now]
                if fresh:
                    nack(fresh, now)
    outcome = Outcome(packets=packets, lost_on_leg=len(lost))
    for seq in lost - received:
        outcome.never_recovered += 1
        if answered[seq] >= MAX_RESENDS:
            outcome.causes[GAVE_UP] += 1
        elif answered[seq] < asked[seq]:
            outcome.causes[UNANSWERED] += 1
        else:
            outcome.causes[NOT_ASKED] += 1
    return outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--packets", type=int, default=60_000, help="video packets per leg (< 65,536)")
    parser.add_argument("--legs", type=int, default=10, help="subscriber legs (seeds) per receiver")
    parser.add_argument("--loss", type=float, default=0.03, help="share dropped on the leg, RTX included")
    args = parser.parse_args()
    report: dict[str, dict[str, object]] = {}
    for receiver in ("aiortc", "periodic"):
        total = Outcome()
        for leg in range(args.legs):
            total.add(simulate(receiver, min(args.packets, 65_000), args.loss, seed=leg))
        share = total.never_recovered / total.packets if total.packets else 0.0
        print(
            f"{receiver:9s} packets {total.packets}, lost on the leg {total.lost_on_leg}, "
            f"never recovered {total.never_recovered} ({share:.4%})"
        )
        for cause, count in total.causes.most_common():
            print(f"{count:>12}  {cause}")
        report[receiver] = {
            "packets": total.packets,
            "lost_on_leg": total.lost_on_leg,
            "never_recovered": total.never_recovered,
            "residual_pct": round(100 * share, 5),
            "causes": dict(total.causes),
        }
    print("BENCH " + json.dumps({"loss": args.loss, "max_resends": MAX_RESENDS, "receivers": report}))


if __name__ == "__main__":
    main()
