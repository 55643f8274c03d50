"""Every aiortc / aioice private name the load generator touches, in one place; the contract tests in
tests/media/loadgen/test_adapter_contract.py fail the day aiortc renames one.

What the client peers need that aiortc has no public way for:
- confining a peer connection's ICE agent to loopback: host candidates only on the given addresses
  (aioice skips 127.0.0.1 by default and would gather on every other interface), remote candidates
  and incoming STUN checks from outside the allowed networks dropped before use;
- seeing each decrypted RTP packet a transport receives, and dropping some (a loss pattern);
- seeing the RTP / RTCP a transport sends, and the RTCP it receives (counting NACK, PLI, FIR);
- a receiver that never decodes: its decoder queue is swapped for a sink that hands each complete
  encoded frame to a callback on the event loop (RTP statistics, NACKs and RTX still work as usual).
"""

from __future__ import annotations

import ipaddress
import logging
import queue
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from aiortc import RTCDtlsTransport, RTCPeerConnection, RTCRtpReceiver
from aiortc.jitterbuffer import JitterFrame
from aiortc.rtcrtpparameters import RTCRtpCodecParameters

logger = logging.getLogger(__name__)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
LOOPBACK_NETWORKS: tuple[Network, ...] = (ipaddress.ip_network("127.0.0.0/8"),)

_RECEIVER_QUEUE = "_RTCRtpReceiver__decoder_queue"
_MARK = "_parta_loadgen"

FrameSink = Callable[[RTCRtpCodecParameters, JitterFrame], None]
RtpFilter = Callable[[bytes], bool]
DataObserver = Callable[[bytes], None]


def dtls_transports(pc: RTCPeerConnection) -> list[RTCDtlsTransport]:
    """The distinct DTLS transports of a peer connection's transceivers (one when bundled)."""
    seen: dict[int, RTCDtlsTransport] = {}
    for transceiver in pc.getTransceivers():
        for transport in (transceiver.sender.transport, transceiver.receiver.transport):
            seen.setdefault(id(transport), transport)
    return list(seen.values())


def address_allowed(host: str, networks: Iterable[Network]) -> bool:
    """Whether `host` is an IP address inside one of `networks` (a name such as mDNS `x.local` is not)."""
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    return any(address.version == network.version and address in network for network in networks)


def confine_ice(
    pc: RTCPeerConnection,
    host_addresses: tuple[str, ...] = ("127.0.0.1",),
    networks: tuple[Network, ...] = LOOPBACK_NETWORKS,
) -> None:
    """Gather host candidates only on `host_addresses`, and never send to an address outside `networks`:
    remote candidates from outside (SDP, trickle) and incoming STUN checks from outside (which would
    become peer-reflexive candidates) are dropped. Call after the transceivers exist and before
    `setLocalDescription` (which gathers); again after each remote offer (new transports). Idempotent."""
    for transport in dtls_transports(pc):
        connection: Any = transport.transport.iceGatherer._connection
        if getattr(connection, _MARK, False):
            continue
        setattr(connection, _MARK, True)
        gather = connection.get_component_candidates

        async def get_component_candidates(
            component: int, addresses: list[str], gather: Any = gather, **options: Any
        ) -> Any:
            return await gather(component=component, addresses=list(host_addresses), **options)

        connection.get_component_candidates = get_component_candidates
        add_remote = connection._add_remote_candidate

        def add_remote_candidate(candidate: Any, network_host: str, add_remote: Any = add_remote) -> None:
            if address_allowed(network_host, networks):
                add_remote(candidate, network_host)
            else:
                logger.info("dropped a remote ICE candidate outside the allowed networks: %s", network_host)

        connection._add_remote_candidate = add_remote_candidate
        request_received = connection.request_received

        def guarded_request_received(
            message: Any, addr: tuple[str, int], protocol: Any, request_received: Any = request_received
        ) -> None:
            if address_allowed(addr[0], networks):
                request_received(message, addr, protocol)

        connection.request_received = guarded_request_received


def remote_candidate_hosts(pc: RTCPeerConnection) -> list[str]:
    """The addresses of every remote candidate the peer connection's ICE agents kept."""
    hosts: list[str] = []
    for transport in dtls_transports(pc):
        hosts += [
            candidate.host for candidate in transport.transport.iceGatherer._connection.remote_candidates
        ]
    return hosts


def filter_incoming_rtp(transport: RTCDtlsTransport, keep: RtpFilter) -> None:
    """`keep(packet)` sees every decrypted RTP packet the transport receives, before aiortc parses it;
    False drops it (as if lost on the wire). Once per transport."""
    if getattr(transport, _MARK + "_rtp_in", False):
        return
    setattr(transport, _MARK + "_rtp_in", True)
    handle: Callable[[bytes, int], Awaitable[None]] = transport._handle_rtp_data

    async def handle_rtp_data(data: bytes, arrival_time_ms: int) -> None:
        if keep(data):
            await handle(data, arrival_time_ms)

    transport._handle_rtp_data = handle_rtp_data  # type: ignore[method-assign]


def observe_incoming_rtcp(transport: RTCDtlsTransport, observe: DataObserver) -> None:
    """`observe(compound)` sees every decrypted RTCP compound packet the transport receives.
    Once per transport."""
    if getattr(transport, _MARK + "_rtcp_in", False):
        return
    setattr(transport, _MARK + "_rtcp_in", True)
    handle: Callable[[bytes], Awaitable[None]] = transport._handle_rtcp_data

    async def handle_rtcp_data(data: bytes) -> None:
        observe(data)
        await handle(data)

    transport._handle_rtcp_data = handle_rtcp_data  # type: ignore[method-assign]


def observe_outgoing(transport: RTCDtlsTransport, observe: DataObserver) -> None:
    """`observe(packet)` sees every RTP packet and RTCP compound the transport sends, before SRTP
    protection. Once per transport."""
    if getattr(transport, _MARK + "_out", False):
        return
    setattr(transport, _MARK + "_out", True)
    send: Callable[[bytes], Awaitable[None]] = transport._send_rtp

    async def send_rtp(data: bytes) -> None:
        observe(data)
        await send(data)

    transport._send_rtp = send_rtp  # type: ignore[method-assign]


class _FrameSink(queue.Queue[Any]):
    """Stands in for a receiver's decoder queue: complete encoded frames go to `sink` on the event
    loop instead of to the decoder thread; only the stop signal (None) reaches the thread."""

    def __init__(self, sink: FrameSink, previous: queue.Queue[Any]) -> None:
        super().__init__()
        self.sink = sink
        self.previous = previous

    def put(self, item: Any, block: bool = True, timeout: float | None = None) -> None:
        if item is None:
            super().put(None)
            self.previous.put(None)  # the thread may already wait on the receiver's own queue
            return
        codec, frame = item
        self.sink(codec, frame)


def divert_frames(receiver: RTCRtpReceiver, sink: FrameSink) -> bool:
    """From now on the receiver's complete encoded frames go to `sink(codec, frame)` and are never
    decoded. False if it was diverted already."""
    current = getattr(receiver, _RECEIVER_QUEUE)
    if isinstance(current, _FrameSink):
        return False
    setattr(receiver, _RECEIVER_QUEUE, _FrameSink(sink, current))
    return True


def frames_diverted(receiver: RTCRtpReceiver) -> bool:
    return isinstance(getattr(receiver, _RECEIVER_QUEUE), _FrameSink)


def track_queue_size(receiver: RTCRtpReceiver) -> int:
    """How many decoded frames wait on the receiver's track (0 for a receiver that never decodes)."""
    track: Any = receiver.track
    size: int = track._queue.qsize()
    return size
