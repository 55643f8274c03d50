"""The relay's one UDP socket: bound at once (so its address is known before anything is relayed),
read once the event loop runs; each datagram is told apart as RTP or RTCP (RFC 5761: payload types
200–206 are RTCP) and handed on with the address it came from. Sends only to addresses inside the
allowed networks (the issue's network safety: tests relay on 127.0.0.0/8 only)."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import struct
from collections.abc import Callable
from typing import Any

from services.common.errors import InvalidArgument
from services.media.sfu import adapter
from services.media.sfu.adapter import Network

Address = tuple[str, int]
Receive = Callable[[bytes, Address], None]


def parse_address(text: str, networks: tuple[Network, ...], field: str) -> Address:
    """ "host:port" or "[v6]:port" (an IP literal) → (host, port); InvalidArgument when it is not one or
    lies outside `networks`."""
    host, sep, port = text.rpartition(":")
    host = host.strip("[]")
    try:
        ip = ipaddress.ip_address(host)
        number = int(port)
    except ValueError:
        ip, number = None, -1
    if not sep or ip is None or not 0 < number < 65536:
        raise InvalidArgument("Адрес ретрансляции — IP-адрес и порт (host:port).", field=field)
    if not adapter.address_allowed(str(ip), networks):
        raise InvalidArgument("Адрес ретрансляции вне разрешённых сетей.", field=field)
    return str(ip), number


def format_address(address: Address) -> str:
    host, port = address[0], address[1]
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def is_rtcp(data: bytes) -> bool:
    return len(data) >= 2 and 192 <= data[1] <= 223


class Wire(asyncio.DatagramProtocol):
    def __init__(self, host: str, port: int, on_rtp: Receive, on_rtcp: Receive) -> None:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._socket = socket.socket(family, socket.SOCK_DGRAM)
        self._socket.setblocking(False)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self._socket.bind((host, port))
        bound = self._socket.getsockname()
        self.address: Address = (str(bound[0]), int(bound[1]))
        self._on_rtp = on_rtp
        self._on_rtcp = on_rtcp
        self._transport: asyncio.DatagramTransport | None = None
        self._closed = False
        self.sent = 0
        self.received = 0

    async def start(self) -> None:
        """Starts reading (idempotent); until then datagrams wait in the socket's buffer."""
        if self._transport is None and not self._closed:
            loop = asyncio.get_running_loop()
            await loop.create_datagram_endpoint(lambda: self, sock=self._socket)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        if len(data) < 8:
            return
        self.received += 1
        address = (str(addr[0]), int(addr[1]))
        try:
            if is_rtcp(data):
                self._on_rtcp(data, address)
            elif len(data) >= 12:
                self._on_rtp(data, address)
        except (ValueError, IndexError, struct.error):
            pass  # a malformed datagram: dropped, and the reader keeps running

    def error_received(self, exc: Exception) -> None:
        return None  # ICMP port unreachable from an edge that went away: nothing to do

    def send(self, data: bytes, address: Address) -> None:
        transport = self._transport
        if transport is not None:
            transport.sendto(data, address)
            self.sent += 1
        elif not self._closed:
            try:
                self._socket.sendto(data, address)
                self.sent += 1
            except (BlockingIOError, OSError):
                pass

    def close(self) -> None:
        self._closed = True
        if self._transport is not None:
            self._transport.close()
        else:
            self._socket.close()
