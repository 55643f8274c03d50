"""In-process DTLS/SRTP transport pairs for the SFU's forwarding tests (the approach of aiortc's own
tests): two `RTCDtlsTransport`s joined by an in-memory datagram link instead of ICE, with an
optional loss pattern per direction, so forwarding runs over real DTLS handshakes and real SRTP
without a socket."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator

from aiortc import RTCCertificate, RTCDtlsTransport

Queue = asyncio.Queue[bytes | None]


class Link:
    """One end of an in-memory datagram link; `loss` (an endless iterator of bools) drops what this
    end sends while it yields True."""

    def __init__(
        self, inbox: asyncio.Queue[bytes | None], outbox: asyncio.Queue[bytes | None], role: str
    ) -> None:
        self._inbox = inbox
        self._outbox = outbox
        self.role = role
        self.loss: Iterator[bool] | None = None
        self.sent = 0
        self.dropped = 0
        self.closed = False

    def set_loss_pattern(self, pattern: list[bool]) -> None:
        self.loss = itertools.cycle(pattern)

    # What RTCDtlsTransport uses of an RTCIceTransport.
    async def _recv(self) -> bytes:
        data = await self._inbox.get()
        if data is None or self.closed:
            raise ConnectionError
        return data

    async def _send(self, data: bytes) -> None:
        if self.closed:
            raise ConnectionError
        self.sent += 1
        if self.loss is not None and next(self.loss):
            self.dropped += 1
            return
        await self._outbox.put(data)

    async def stop(self) -> None:
        if not self.closed:
            self.closed = True
            await self._inbox.put(None)


async def dtls_pair() -> tuple[RTCDtlsTransport, RTCDtlsTransport]:
    """Two connected DTLS transports (a: DTLS server side, b: client side), SRTP keys agreed."""
    one: asyncio.Queue[bytes | None] = asyncio.Queue()
    other: asyncio.Queue[bytes | None] = asyncio.Queue()
    link_a = Link(one, other, "controlling")
    link_b = Link(other, one, "controlled")
    a = RTCDtlsTransport(link_a, [RTCCertificate.generateCertificate()])  # type: ignore[arg-type]
    b = RTCDtlsTransport(link_b, [RTCCertificate.generateCertificate()])  # type: ignore[arg-type]
    await asyncio.gather(a.start(b.getLocalParameters()), b.start(a.getLocalParameters()))
    assert a.state == "connected"
    assert b.state == "connected"
    return a, b


def link_of(transport: RTCDtlsTransport) -> Link:
    link = transport.transport
    assert isinstance(link, Link)
    return link


async def close_pair(a: RTCDtlsTransport, b: RTCDtlsTransport) -> None:
    for transport in (a, b):
        await transport.stop()
        await link_of(transport).stop()
