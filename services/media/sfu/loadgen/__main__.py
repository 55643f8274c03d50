"""`python -m services.media.sfu.loadgen`: a smoke check of this host's media stack, on loopback only.

It encodes (or reads from the cache) the load generator's clip, connects a `Publisher` straight to a
`Subscriber` over 127.0.0.1 (DTLS, SRTP, ICE — everything a call's peers use but the SFU), lets them
run for `--seconds` once media flows, with `--loss` induced on the subscriber's leg, and prints what
was sent and received. Exit status 1 if no video or no audio frame arrived. An operator runs it in
the SFU's image to see that aiortc, PyAV, libvpx and libopus work there before a call does.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from services.common import eventloop
from services.media.sfu.loadgen.clip import Clip, load_clip
from services.media.sfu.loadgen.peers import Publisher, Subscriber

CONNECT_WITHIN_S = 15.0


async def check(seconds: float, loss: float, clip: Clip | None = None) -> int:
    clip = clip or load_clip()
    video, audio = clip.video.bitrate_bps / 1000, clip.audio.bitrate_bps / 1000
    print(f"clip: video {video:.0f} kbit/s, audio {audio:.0f} kbit/s")
    publisher, subscriber = Publisher(clip), Subscriber(loss=loss, seed=1)
    try:
        await publisher.accept(await subscriber.answer(await publisher.offer()))
        for _ in range(int(CONNECT_WITHIN_S / 0.1)):  # ICE and DTLS first, then the timed run
            if subscriber.stats.frames["video"] and subscriber.stats.frames["audio"]:
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(seconds)
        sent, received = publisher.stats, subscriber.stats
        residual = sum(log.missing() for log in received.streams.values())
        expected = sum(log.expected() for log in received.streams.values())
        print(f"sent: {sent.packets} packets, {sent.rtx} RTX, {sent.feedback.nack} NACKs received")
        print(
            f"received: {received.packets} packets ({received.dropped} dropped on purpose, "
            f"{received.rtx} RTX), frames {received.frames}, never decoded: {subscriber.undecoded()}"
        )
        print(f"residual loss: {residual} of {expected} sequence numbers")
        return 0 if received.frames["video"] and received.frames["audio"] else 1
    finally:
        await publisher.close()
        await subscriber.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--loss", type=float, default=0.0, help="share dropped on the subscriber's leg")
    args = parser.parse_args()
    sys.exit(eventloop.run(check(args.seconds, args.loss), eventloop.from_environment()))


if __name__ == "__main__":
    main()
