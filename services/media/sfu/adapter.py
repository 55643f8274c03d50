"""Every private name of aiortc (and of aioice under it) the SFU relies on, in one place.

aiortc gives the SFU ICE, DTLS, SRTP and SDP; the SFU takes the media path over at the RTP level:
- ingress: `RTCDtlsTransport._handle_rtp_data` / `_handle_rtcp_data` get each packet right after
  SRTP decryption; replacing them on the transport instance hands the raw bytes to the SFU, so
  aiortc's parsing, router, jitter buffer and decoder thread stay out of the path;
- receivers and senders: `RTCRtpReceiver.receive` / `RTCRtpSender.send` are where aiortc starts
  its per-track work (decoder thread, RTCP loops — the latter sends sender reports with NTP time 0
  and zero counts for a sender with no track). Replacing them on the instance captures the
  negotiated parameters (payload types, RTX, header-extension ids, SSRCs) and starts nothing, so no
  zero-count reports ever leave; the SFU sends its own SR + SDES;
- egress: `RTCDtlsTransport._send_rtp` protects and sends a finished RTP or RTCP packet; for the
  per-packet path the same steps without coroutines: the transport's `_state` and `_tx_srtp`, the
  ICE agent's selected pair (`_nominated`) and its protocol's datagram transport, whose socket is
  connected to the pair's remote address and written to directly (`connect_to_pair`); the SRTP
  protection itself goes to libsrtp's `srtp_protect` through pylibsrtp's cffi binding
  (`pylibsrtp._binding`) on the session's own `srtp_t` (`Session._srtp`);
- SSRCs a down-track sends with are the sender's `_ssrc` / `_rtx_ssrc` (they are in the SDP), and
  `_stream_id` is the msid stream the browser groups a publisher's audio and video by;
- the negotiated codecs / header extensions of a transceiver: `_codecs`, `_headerExtensions`;
- ICE: the gatherer's `_connection` (an aioice `Connection`): host candidates only on the
  configured addresses (`get_component_candidates`), remote candidates outside the allowed networks
  dropped (`_add_remote_candidate`), and STUN checks from such addresses ignored before aioice
  answers them or learns a peer-reflexive candidate (`request_received`).
- host candidates' ports and address: `place_host_candidates` binds the host sockets itself inside
  the process's UDP range (aioice's `StunProtocol`, the agent's `_protocols` and `stun_server`) and
  writes the announced address in the candidates (a 1:1 NAT, a LoadBalancer, the node's address).

The SFU's own client tool, the load generator (services/media/sfu/loadgen), needs a few more, kept here
too so the repository has one adapter: the receiver's decoder queue (`_RTCRtpReceiver__decoder_queue`,
swapped for a sink so a subscriber never decodes), its track's `_queue`, and the transport hooks
above to observe what a client peer sends and receives and to drop packets (induced loss).

tests/media/sfu/test_adapter_contract.py checks each of these names against the installed aiortc,
so an upgrade that renames one fails there, not in a call.
tests/media/sfu/test_adapter_contract.py checks each of these names against the installed aiortc
and pylibsrtp, so an upgrade that renames one fails there, not in a call.
"""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import logging
import os
import queue
import random
import socket
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from aioice.candidate import Candidate, candidate_foundation, candidate_priority
from aioice.ice import StunProtocol, server_reflexive_candidate
from aioice.turn import UDP_SOCKET_BUFFER_SIZE
from aiortc import RTCDtlsTransport, RTCPeerConnection, RTCRtpReceiver, RTCRtpTransceiver
from aiortc.jitterbuffer import JitterFrame
from aiortc.rtcdtlstransport import State as DtlsState
from aiortc.rtcrtpparameters import RTCRtpCodecParameters
from pylibsrtp import ERRORS as SRTP_ERRORS
from pylibsrtp import SRTP_MAX_TRAILER_LEN, Session
from pylibsrtp import Error as SrtpError
from pylibsrtp._binding import ffi as srtp_ffi  # type: ignore[import-not-found]
from pylibsrtp._binding import lib as srtp_lib

logger = logging.getLogger(__name__)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
RtpHandler = Callable[[bytes, int], Awaitable[None]]
RtcpHandler = Callable[[bytes], Awaitable[None]]
Send = Callable[[bytes], Awaitable[None]]
SendNow = Callable[[bytes], None]
_SRTP_BUFFER = 1500  # what pylibsrtp's Session allots: a packet up to 1500 - SRTP_MAX_TRAILER_LEN


@dataclass(frozen=True)
class Codec:
    """A negotiated codec of one m-line, as the SFU needs it."""

    payload_type: int
    mime_type: str  # "video/VP8", "audio/opus", "video/H264", "video/rtx"
    clock_rate: int
    parameters: tuple[tuple[str, str], ...] = ()

    @property
    def name(self) -> str:
        return self.mime_type.split("/", 1)[1].lower()

    @property
    def is_rtx(self) -> bool:
        return self.name == "rtx"

    def parameter(self, key: str) -> str | None:
        return next((value for name, value in self.parameters if name == key), None)


@dataclass(frozen=True)
class RtpParameters:
    """What one negotiated m-line carries: its mid, codecs (first = the one in use), header
    extension ids by URI, the remote SSRCs when the SDP names them (`ssrc`, `rtx_ssrc`) and, for a
    send side, the CNAME."""

    mid: str
    codecs: tuple[Codec, ...]
    extensions: tuple[tuple[str, int], ...]
    ssrc: int | None = None
    rtx_ssrc: int | None = None
    cname: str = ""

    def extension_id(self, uri: str) -> int:
        return next((ext_id for ext_uri, ext_id in self.extensions if ext_uri == uri), 0)


AUDIO_LEVEL_URI = "urn:ietf:params:rtp-hdrext:ssrc-audio-level"
MID_URI = "urn:ietf:params:rtp-hdrext:sdes:mid"


def _codecs(codecs: Any) -> tuple[Codec, ...]:
    return tuple(
        Codec(
            payload_type=int(codec.payloadType),
            mime_type=str(codec.mimeType),
            clock_rate=int(codec.clockRate),
            parameters=tuple((str(key), str(value)) for key, value in codec.parameters.items()),
        )
        for codec in codecs
    )


def _extensions(parameters: Any) -> tuple[tuple[str, int], ...]:
    return tuple((str(ext.uri), int(ext.id)) for ext in parameters.headerExtensions)


def capture_receive(transceiver: RTCRtpTransceiver, on_parameters: Callable[[RtpParameters], None]) -> None:
    """Makes the transceiver's receiver hand its negotiated parameters to `on_parameters` instead of
    starting aiortc's decoder thread and RTCP loop (it then never receives a packet itself)."""

    async def receive(parameters: Any) -> None:
        ssrc = rtx_ssrc = None
        for encoding in parameters.encodings:
            ssrc = int(encoding.ssrc) if encoding.ssrc else ssrc
            if encoding.rtx is not None and encoding.rtx.ssrc:
                rtx_ssrc = int(encoding.rtx.ssrc)
        on_parameters(
            RtpParameters(
                mid=str(parameters.muxId),
                codecs=_codecs(parameters.codecs),
                extensions=_extensions(parameters),
                ssrc=ssrc,
                rtx_ssrc=rtx_ssrc,
            )
        )

    transceiver.receiver.receive = receive  # type: ignore[method-assign]


def capture_send(transceiver: RTCRtpTransceiver, on_parameters: Callable[[RtpParameters], None]) -> None:
    """Makes the transceiver's sender hand its negotiated parameters to `on_parameters` instead of
    starting aiortc's RTP and RTCP loops (no zero-count sender reports; the SFU sends the media)."""

    async def send(parameters: Any) -> None:
        on_parameters(
            RtpParameters(
                mid=str(parameters.muxId),
                codecs=_codecs(parameters.codecs),
                extensions=_extensions(parameters),
                cname=str(parameters.rtcp.cname or ""),
            )
        )

    transceiver.sender.send = send  # type: ignore[method-assign]


def sender_ssrcs(transceiver: RTCRtpTransceiver) -> tuple[int, int]:
    """The (media, RTX) SSRCs the transceiver's m-line announces for what the SFU sends on it."""
    sender: Any = transceiver.sender
    return int(sender._ssrc), int(sender._rtx_ssrc)


def set_stream_id(transceiver: RTCRtpTransceiver, stream_id: str) -> None:
    """The msid stream of the m-line (the next offer carries it): one per publisher session, so the
    browser groups (and lip-syncs) that person's audio and video."""
    sender: Any = transceiver.sender
    sender._stream_id = stream_id


def transceiver_codecs(transceiver: RTCRtpTransceiver) -> tuple[Codec, ...]:
    """The codecs negotiated on the transceiver (after an offer/answer), first = in use."""
    return _codecs(transceiver._codecs)


def transceiver_extensions(transceiver: RTCRtpTransceiver) -> tuple[tuple[str, int], ...]:
    return tuple((str(ext.uri), int(ext.id)) for ext in transceiver._headerExtensions)


def dtls_transport(transceiver: RTCRtpTransceiver) -> RTCDtlsTransport:
    transport: RTCDtlsTransport = transceiver.receiver.transport
    return transport


def take_ingress(transport: RTCDtlsTransport, on_rtp: RtpHandler, on_rtcp: RtcpHandler) -> None:
    """Decrypted RTP (bytes, arrival time in ms) and RTCP (bytes, possibly compound) of this transport
    go to the SFU's handlers instead of aiortc's parsing and router."""
    target: Any = transport
    target._handle_rtp_data = on_rtp
    target._handle_rtcp_data = on_rtcp


def sender_of(transport: RTCDtlsTransport) -> Send:
    """Sends one finished RTP or RTCP packet (plain bytes) over the transport: SRTP-protected and
    sent on the selected ICE pair. Raises ConnectionError before the transport is connected."""
    send: Send = transport._send_rtp
    return send


def rtp_sender_of(transport: RTCDtlsTransport) -> SendNow:
    """Sends one finished RTP packet at once, without a coroutine: the same SRTP protection and the
    same selected ICE pair `_send_rtp` uses (`_tx_srtp`, the agent's `_nominated` pair), straight to
    its UDP socket — the SFU's per-packet path. A relayed (TURN) pair still goes through aioice's own
    `send_data`. Raises ConnectionError when the transport is not connected.

    The per-packet cost is one Python frame: libsrtp's `srtp_protect` is called inline on a buffer
    kept per SRTP session (as `rtp_protector` does), and the pair's `sendto` and address are looked up
    again only when the selected pair changes."""
    dtls: Any = transport
    connection: Any = transport.transport.iceGatherer._connection
    nominated: dict[int, Any] = connection._nominated
    connected = DtlsState.CONNECTED
    protect = srtp_lib.srtp_protect
    write = os.write
    limit = _SRTP_BUFFER - SRTP_MAX_TRAILER_LEN
    relaying: set[asyncio.Future[None]] = set()
    # The selected pair, its datagram transport (None when relayed), the socket's file descriptor
    # (-1: not connected to the pair's remote address), the remote address; the SRTP session and its
    # srtp_t, buffer (cdata and writable view) and length cell.
    state: list[Any] = [None, None, -1, None, None, None, None, None, None]

    def send(data: bytes) -> None:
        if dtls._state is not connected:
            raise ConnectionError("Cannot send RTP, not connected")
        pair = nominated.get(1)
        if pair is None:
            raise ConnectionError("Cannot send RTP, no selected ICE pair")
        pair_, udp, fd, addr, session, srtp, cdata, buffer, length = state
        if pair is not pair_:
            udp = pair.protocol.transport if type(pair.protocol) is StunProtocol else None
            addr = pair.remote_addr
            fd = -1 if udp is None else connect_to_pair(udp, addr)
            state[0:4] = [pair, udp, fd, addr]
        if dtls._tx_srtp is not session:
            session = dtls._tx_srtp
            srtp = session._srtp[0]
            cdata = srtp_ffi.new("char[]", _SRTP_BUFFER)
            buffer = srtp_ffi.buffer(cdata)
            length = srtp_ffi.new("int *")
            state[4:9] = [session, srtp, cdata, buffer, length]
        size = len(data)
        if size > limit:
            raise ValueError("packet is too long")
        buffer[0:size] = data
        length[0] = size
        status = protect(srtp, cdata, length)
        if status:
            raise SrtpError(SRTP_ERRORS[status])
        if udp is None:
            task = asyncio.ensure_future(pair.protocol.send_data(buffer[0 : length[0]], addr))
            relaying.add(task)
            task.add_done_callback(relaying.discard)
        elif udp.is_closing():
            raise ConnectionError("Cannot send RTP, the socket is closed")
        elif fd < 0:
            udp.sendto(buffer[0 : length[0]], addr)
        else:
            try:
                write(fd, buffer[0 : length[0]])
            except BlockingIOError:
                udp.sendto(buffer[0 : length[0]], addr)  # the socket's buffer is full: the loop queues it

    return send


def connect_to_pair(udp: Any, addr: tuple[str, int]) -> int:
    """Connects the host candidate's UDP socket to the selected pair's remote address and returns its
    file descriptor, or -1 when that fails. A connected socket sends with a plain write(2): no
    address to convert and route per packet (≈ 1 µs of the ≈ 6 µs a loopback sendmsg costs). aioice's
    own STUN still goes through the transport with the address (Linux takes an address on a
    connected UDP socket); datagrams from other addresses are no longer delivered — after nomination
    there are none to take (aiortc never changes the selected pair: no ICE restart)."""
    sock = udp.get_extra_info("socket")
    if sock is None or sock.type != socket.SOCK_DGRAM:
        return -1
    fd: int = sock.fileno()
    try:
        handle = socket.socket(sock.family, socket.SOCK_DGRAM, fileno=os.dup(fd))
    except OSError:
        return -1
    try:
        handle.connect(addr)
    except OSError:
        return -1
    finally:
        handle.close()  # the duplicate descriptor only: the socket stays the transport's
    return fd


# --- SRTP protection straight through libsrtp ------------------------------------------------------
# pylibsrtp's `Session.protect` checks its argument, allocates an `int *` and goes through a name-
# mangled helper on every call: 3–4× the cost of libsrtp's `srtp_protect` itself on the SFU's
# per-packet path. The SFU calls `srtp_protect` through pylibsrtp's own cffi binding
# (`pylibsrtp._binding`) on the very `srtp_t` aiortc's DTLS transport set up (`Session._srtp`), with
# one buffer and one length cell per session: the packet copied in, protected in place, the result
# copied out as bytes — the same bytes `Session.protect` returns (the same stream state moves on).


def rtp_protector(session: Session) -> Callable[[bytes], bytes]:
    """`session.protect` (SRTP-protects one RTP packet, pylibsrtp's `Error` on failure, ValueError
    when it is too long), without pylibsrtp's per-call wrapper. Keeps `session` alive (its `srtp_t`
    is freed with it) and must not run concurrently with another protect of the same session."""
    srtp = session._srtp[0]
    cdata = srtp_ffi.new("char[]", _SRTP_BUFFER)
    buffer = srtp_ffi.buffer(cdata)
    length = srtp_ffi.new("int *")
    protect = srtp_lib.srtp_protect
    limit = _SRTP_BUFFER - SRTP_MAX_TRAILER_LEN

    def run(packet: bytes, _keep: Session = session) -> bytes:
        size = len(packet)
        if size > limit:
            raise ValueError("packet is too long")
        buffer[0:size] = packet
        length[0] = size
        status = protect(srtp, cdata, length)
        if status:
            raise SrtpError(SRTP_ERRORS[status])
        protected: bytes = buffer[0 : length[0]]
        return protected

    return run


def parse_networks(cidrs: Iterable[str]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(cidr, strict=False) for cidr in cidrs)


def address_allowed(host: str, networks: tuple[Network, ...]) -> bool:
    """Whether `host` is an IP address inside one of `networks` (a name, e.g. mDNS `….local`, is not)."""
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    return any(address.version == network.version and address in network for network in networks)


def restrict_ice(
    transport: RTCDtlsTransport, host_addresses: tuple[str, ...], networks: tuple[Network, ...]
) -> None:
    """Confines the transport's ICE agent: host candidates gathered only on `host_addresses` (when
    given), and nothing sent to an address outside `networks` — remote candidates from anywhere (SDP,
    trickle, mDNS resolved) are dropped, and an incoming STUN check from outside is neither answered
    nor taken as a peer-reflexive candidate."""
    connection: Any = transport.transport.iceGatherer._connection
    if getattr(connection, "_parta_restricted", False):
        return
    connection._parta_restricted = True

    if host_addresses:
        gather = connection.get_component_candidates

        async def get_component_candidates(component: int, addresses: list[str], timeout: int = 5) -> Any:  # noqa: ASYNC109 (aioice's signature)
            # aioice passes no address under the relay transport policy: then none (relay only).
            chosen = list(host_addresses) if addresses else []
            return await gather(component=component, addresses=chosen, timeout=timeout)

        connection.get_component_candidates = get_component_candidates

    add_remote = connection._add_remote_candidate

    def add_remote_candidate(remote_candidate: Any, network_host: str) -> None:
        if address_allowed(network_host, networks):
            add_remote(remote_candidate, network_host)
        else:
            logger.debug("remote ICE candidate outside the allowed networks dropped")

    connection._add_remote_candidate = add_remote_candidate

    request_received = connection.request_received

    def guarded_request_received(message: Any, addr: tuple[str, int], protocol: Any) -> None:
        if address_allowed(addr[0], networks):
            request_received(message, addr, protocol)

    connection.request_received = guarded_request_received


# --- where host candidates bind, and the address they announce (PARTA_SFU_UDP_PORTS / _ANNOUNCED_...) --
# aioice gathers a host candidate by binding a UDP socket itself — `Connection.get_component_candidates`
# calls `loop.create_datagram_endpoint(local_addr=(address, 0))`, so the kernel picks any ephemeral
# port — and writes the bound address and port in the candidate (`protocol.local_candidate`). A
# cluster needs both chosen: a port inside the range its firewall / NetworkPolicy / LoadBalancer
# opens, and the address clients can reach (a 1:1 NAT, a LoadBalancer IP, the node's IP) instead of
# the pod's own. `place_host_candidates` takes the host part of that gathering over on the
# connection instance: it binds each host socket inside the range (aioice's own `StunProtocol`, the
# same receive buffer size), writes the announced address in the candidate, and leaves the rest to
# aioice (`get_component_candidates` with no addresses still gathers the TURN relay candidate;
# server-reflexive candidates are asked for here, as aioice would, when a STUN server is set and
# nothing is announced). aioice uses a local candidate's address only to name it (`local_addr`),
# never to send: packets leave through the socket the candidate was gathered on.


@dataclass(frozen=True)
class HostCandidates:
    """Where an SFU peer's host candidates bind and what they say.

    `addresses`: the local addresses (empty = every address aioice finds). `ports`: the inclusive
    (first, last) UDP range every host socket binds in (None = any ephemeral port). `announced`: the
    address(es) written in the candidates instead of the bound one — the i-th announced address for the
    i-th host address, a single one for all of them; none = the bound address."""

    addresses: tuple[str, ...] = ()
    ports: tuple[int, int] | None = None
    announced: tuple[str, ...] = ()

    def announced_for(self, index: int, bound: str) -> str:
        if not self.announced:
            return bound
        return self.announced[min(index, len(self.announced) - 1)]


async def bind_udp_in_range(
    address: str, ports: tuple[int, int] | None, protocol_factory: Callable[[], Any]
) -> tuple[Any, Any]:
    """A UDP endpoint bound on `address` at a free port of `ports` (any port when None): the scan
    starts at a random port of the range and wraps, so concurrent gatherings rarely collide. Raises
    OSError (EADDRINUSE) when every port of the range is taken, or the bind error of the address."""
    loop = asyncio.get_running_loop()
    if ports is None:
        return await loop.create_datagram_endpoint(protocol_factory, local_addr=(address, 0))
    first, last = ports
    count = last - first + 1
    start = random.randrange(count)
    for offset in range(count):
        port = first + (start + offset) % count
        try:
            return await loop.create_datagram_endpoint(protocol_factory, local_addr=(address, port))
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
    raise OSError(errno.EADDRINUSE, f"no free UDP port in {first}-{last} on {address}")


def place_host_candidates(transport: RTCDtlsTransport, host: HostCandidates) -> None:
    """Makes the transport's ICE agent bind its host candidates inside `host.ports` and announce
    `host.announced` in them (see above). Nothing changes when neither is set. Call before the
    gathering (setLocalDescription) and before `restrict_ice`, whose address list it then receives.
    Idempotent."""
    if host.ports is None and not host.announced:
        return
    connection: Any = transport.transport.iceGatherer._connection
    if getattr(connection, "_parta_host_placed", False):
        return
    connection._parta_host_placed = True
    gather_rest = connection.get_component_candidates

    async def get_component_candidates(component: int, addresses: list[str], timeout: int = 5) -> Any:  # noqa: ASYNC109 (aioice's signature)
        candidates: list[Candidate] = []
        protocols: list[StunProtocol] = []
        for index, address in enumerate(addresses):
            try:
                udp, protocol = await bind_udp_in_range(address, host.ports, lambda: StunProtocol(connection))
            except OSError as exc:
                logger.warning("no host candidate on %s: %s", address, exc)
                continue
            sock = udp.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, UDP_SOCKET_BUFFER_SIZE)
            bound, port = udp.get_extra_info("sockname")[:2]
            shown = host.announced_for(index, bound)
            protocol.local_candidate = Candidate(
                foundation=candidate_foundation("host", "udp", shown),
                component=component,
                transport="udp",
                priority=candidate_priority(component, "host"),
                host=shown,
                port=port,
                type="host",
            )
            protocols.append(protocol)
            candidates.append(protocol.local_candidate)
        connection._protocols += protocols
        asked = []
        if connection.stun_server and not host.announced:
            asked = [
                asyncio.ensure_future(server_reflexive_candidate(protocol, connection.stun_server))
                for protocol in protocols
                if ipaddress.ip_address(protocol.local_candidate.host).version == 4
            ]
        candidates += await gather_rest(component=component, addresses=[], timeout=timeout)
        if asked:
            done, pending = await asyncio.wait(asked, timeout=timeout)
            candidates += [task.result()[0] for task in done if task.exception() is None]
            for task in pending:
                task.cancel()
        return candidates

    connection.get_component_candidates = get_component_candidates


def local_candidates(transport: RTCDtlsTransport) -> list[tuple[str, str, int]]:
    """(type, address, port) of every candidate the transport's ICE agent gathered: "host", "srflx",
    "relay" (a TURN allocation)."""
    connection: Any = transport.transport.iceGatherer._connection
    return [(str(c.type), str(c.host), int(c.port)) for c in connection.local_candidates]


def new_peer_connection(ice_servers: list[Any]) -> RTCPeerConnection:
    """A peer connection with every m-line on one transport (max-bundle)."""
    from aiortc import RTCBundlePolicy, RTCConfiguration

    return RTCPeerConnection(
        RTCConfiguration(iceServers=ice_servers, bundlePolicy=RTCBundlePolicy.MAX_BUNDLE)
    )


# --- client peers (the load generator, tests) ----------------------------------------------------
LOOPBACK_NETWORKS: tuple[Network, ...] = (ipaddress.ip_network("127.0.0.0/8"),)

_RECEIVER_QUEUE = "_RTCRtpReceiver__decoder_queue"
_MARK = "_parta_client"

FrameSink = Callable[[RTCRtpCodecParameters, JitterFrame], None]
RtpFilter = Callable[[bytes], bool]
DataObserver = Callable[[bytes], None]


def confine_peer(
    pc: RTCPeerConnection,
    host_addresses: tuple[str, ...] = ("127.0.0.1",),
    networks: tuple[Network, ...] = LOOPBACK_NETWORKS,
) -> None:
    """`restrict_ice` on every transport of a client peer: gather only on `host_addresses`, send nothing
    outside `networks`. Call after the transceivers exist and before `setLocalDescription` (which
    gathers); again after each remote offer (new transports). Idempotent."""
    for transport in dtls_transports(pc):
        restrict_ice(transport, host_addresses, networks)


def dtls_transports(pc: RTCPeerConnection) -> list[RTCDtlsTransport]:
    """The distinct DTLS transports of a peer connection's transceivers (one when bundled)."""
    seen: dict[int, RTCDtlsTransport] = {}
    for transceiver in pc.getTransceivers():
        for transport in (transceiver.sender.transport, transceiver.receiver.transport):
            seen.setdefault(id(transport), transport)
    return list(seen.values())


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
