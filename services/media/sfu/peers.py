"""A session's two peer connections, as the SFU uses aiortc: ICE, DTLS, SRTP and SDP only.

`PublisherPeer` answers the client's offer and hands every decrypted packet of its single (bundled)
transport to the up-track it belongs to (by SSRC; else by the mid header extension or a payload
type only one track uses). `SubscriberPeer` makes the SFU's offers: one send-only m-line per track
the subscriber receives (a slot; a slot whose track left goes inactive and is reused by the next track
of its kind, so m-lines never pile up), and takes the subscriber's RTCP (NACK, PLI/FIR, reports).
Both bind their host candidates as configured (ports, announced address: adapter.place_host_candidates),
confine ICE to the configured addresses and networks (adapter.restrict_ice), and drop SDP
candidates outside the allowed networks before aiortc sees them.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import random
import struct
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiortc import RTCIceServer, RTCPeerConnection, RTCRtpTransceiver, RTCSessionDescription
from aiortc.sdp import candidate_from_sdp

from services.common.errors import InvalidArgument
from services.media.sfu import adapter
from services.media.sfu.adapter import MID_URI, Network, RtpParameters, Send
from services.media.sfu.forwarding import rtcp
from services.media.sfu.forwarding.downtrack import DownTrack
from services.media.sfu.forwarding.fanout import answer_feedback, take_sender_reports
from services.media.sfu.forwarding.packets import SSRC_AT_8, read_mid
from services.media.sfu.forwarding.uptrack import UpTrack

logger = logging.getLogger(__name__)

Forward = Callable[[UpTrack, bytes, int], None]


def filter_sdp_candidates(sdp: str, networks: tuple[Network, ...]) -> str:
    """The SDP without `a=candidate` lines whose address is outside `networks` (mDNS names too)."""
    lines = []
    for line in sdp.splitlines():
        if line.startswith("a=candidate:"):
            try:
                candidate = candidate_from_sdp(line[2:].split(":", 1)[1])
            except (ValueError, IndexError):
                continue
            if not adapter.address_allowed(candidate.ip, networks):
                continue
        lines.append(line)
    return "\r\n".join(lines) + "\r\n"


def ice_servers(servers: tuple[Any, ...]) -> list[RTCIceServer]:
    return [
        RTCIceServer(
            urls=list(server.urls), username=server.username or None, credential=server.credential or None
        )
        for server in servers
    ]


def _spawn(coroutine: Awaitable[None]) -> None:
    task = asyncio.ensure_future(coroutine)
    task.add_done_callback(_ignore_result)


def _ignore_result(task: asyncio.Future[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.debug("RTCP send failed: %s", task.exception())


async def _send_quietly(send: Send, packet: bytes) -> None:
    with contextlib.suppress(ConnectionError):
        await send(packet)


class _Peer:
    def __init__(
        self, host: adapter.HostCandidates, networks: tuple[Network, ...], servers: list[RTCIceServer]
    ) -> None:
        self._host = host
        self._networks = networks
        self.pc: RTCPeerConnection = adapter.new_peer_connection(servers)
        self.send: Send | None = None
        self.send_rtp: adapter.SendNow | None = None
        self.rtcp_ssrc = 0
        self.closed = False

    def _take_transport(self, transceiver: RTCRtpTransceiver) -> None:
        if self.send is not None:
            return
        transport = adapter.dtls_transport(transceiver)
        adapter.place_host_candidates(transport, self._host)
        adapter.restrict_ice(transport, self._host.addresses, self._networks)
        adapter.take_ingress(transport, self._on_rtp, self._on_rtcp)
        self.send = adapter.sender_of(transport)
        self.send_rtp = adapter.rtp_sender_of(transport)
        self.rtcp_ssrc = adapter.sender_ssrcs(transceiver)[0]

    async def _on_rtp(self, data: bytes, arrival_time_ms: int) -> None:
        return None

    async def _on_rtcp(self, data: bytes) -> None:
        return None

    def send_rtcp(self, packet: bytes) -> None:
        """Queues an RTCP packet on this peer's transport (dropped if it is not connected)."""
        if self.send is not None and not self.closed:
            _spawn(_send_quietly(self.send, packet))

    @property
    def connection_state(self) -> str:
        return str(self.pc.connectionState)

    async def add_candidate(self, candidate: str, sdp_mid: str, sdp_mline_index: int) -> None:
        if not candidate:
            return  # end of candidates: aiortc keeps checking what it has
        try:
            parsed = candidate_from_sdp(
                candidate.split(":", 1)[1] if candidate.startswith("candidate:") else candidate
            )
        except (ValueError, IndexError) as exc:
            raise InvalidArgument("Неверный ICE-кандидат.", field="candidate") from exc
        if not adapter.address_allowed(parsed.ip, self._networks):
            return
        parsed.sdpMid = sdp_mid or None
        parsed.sdpMLineIndex = sdp_mline_index if not sdp_mid else None
        if parsed.sdpMid is None and parsed.sdpMLineIndex is None:
            parsed.sdpMLineIndex = 0
        await self.pc.addIceCandidate(parsed)

    async def close(self) -> None:
        self.closed = True
        await self.pc.close()


class PublisherPeer(_Peer):
    """The client's sending peer connection: its offer, the SFU's answer, its packets in."""

    def __init__(
        self,
        host: adapter.HostCandidates,
        networks: tuple[Network, ...],
        servers: list[RTCIceServer],
        forward: Forward,
    ) -> None:
        super().__init__(host, networks, servers)
        self._forward = forward
        self.by_ssrc: dict[int, UpTrack] = {}
        self.by_mid: dict[str, UpTrack] = {}
        self._mid_id = 0

    async def answer(self, offer_sdp: str, track_for: Callable[[str, str], UpTrack | None]) -> str:
        """Answers the offer; `track_for(mid, kind)` names the up-track each m-line feeds."""
        try:
            await self.pc.setRemoteDescription(
                RTCSessionDescription(sdp=filter_sdp_candidates(offer_sdp, self._networks), type="offer")
            )
        except (ValueError, TypeError, AttributeError, IndexError, KeyError) as exc:
            raise InvalidArgument("Не удалось разобрать SDP-предложение.", field="description") from exc
        except Exception as exc:  # aiortc's own errors (OperationError, InternalError...)
            raise InvalidArgument(f"SDP-предложение не принято: {exc}", field="description") from exc
        transceivers = self.pc.getTransceivers()
        if not transceivers:
            raise InvalidArgument("В SDP-предложении нет аудио или видео.", field="description")
        self._take_transport(transceivers[0])
        for transceiver in transceivers:
            mid = str(transceiver.mid)
            up = track_for(mid, transceiver.kind)
            if up is None:
                transceiver.direction = "inactive"
                continue
            self.by_mid[mid] = up
            adapter.capture_receive(transceiver, functools.partial(self._bind, up))
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        return str(self.pc.localDescription.sdp)

    def _bind(self, up: UpTrack, parameters: RtpParameters) -> None:
        up.bind(parameters, self.rtcp_ssrc)
        self._mid_id = parameters.extension_id(MID_URI) or self._mid_id
        for ssrc in (parameters.ssrc, parameters.rtx_ssrc):
            if ssrc:
                self.by_ssrc[ssrc] = up

    async def _on_rtp(self, data: bytes, arrival_time_ms: int) -> None:
        if len(data) < 12:
            return
        (ssrc,) = SSRC_AT_8.unpack_from(data, 8)
        up = self.by_ssrc.get(ssrc)
        if up is None:
            up = self._learn(data, ssrc)
            if up is None:
                return
        try:
            self._forward(up, data, ssrc)
        except (ValueError, IndexError, struct.error):
            # A malformed packet (it passed SRTP, so the publisher's own bug): dropped, and the
            # transport's receive loop, which an exception would end, keeps running.
            logger.debug("malformed RTP from a publisher dropped")

    def _learn(self, data: bytes, ssrc: int) -> UpTrack | None:
        """An SSRC the SDP did not name: its mid header extension, or a payload type one track has."""
        payload_type = data[1] & 0x7F
        up = None
        try:
            mid = read_mid(data, self._mid_id)
        except Exception:
            mid = None
        if mid is not None:
            up = self.by_mid.get(mid)
        if up is None:
            owners = [track for track in self.by_mid.values() if payload_type in track.codecs]
            up = owners[0] if len(owners) == 1 else None
        if up is None or not up.bound:
            return None
        up.learn_ssrc(ssrc, payload_type)
        self.by_ssrc[ssrc] = up
        return up

    async def _on_rtcp(self, data: bytes) -> None:
        take_sender_reports(data, self.by_ssrc)

    def report(self, now: float, remb_bitrate: int) -> None:
        """The receiver report (and a REMB bitrate cap) for every track of this publisher."""
        tracks = list(dict.fromkeys(self.by_mid.values()))
        blocks = [block for block in (up.receiver_report(now) for up in tracks) if block is not None]
        if not blocks:
            return
        packet = rtcp.receiver_report(self.rtcp_ssrc, blocks)
        video = [up.ssrc for up in tracks if up.video and up.ssrc is not None]
        if video and remb_bitrate > 0:
            packet += rtcp.remb(self.rtcp_ssrc, remb_bitrate, video)
        self.send_rtcp(packet)


class Slot:
    """One send-only m-line of a subscriber peer and the down-track it carries (kept when the slot is
    reused by another track, so its numbering runs on)."""

    def __init__(self, transceiver: RTCRtpTransceiver, kind: str) -> None:
        self.transceiver = transceiver
        self.kind = kind
        self.downtrack: DownTrack | None = None
        self.up: UpTrack | None = None

    @property
    def mid(self) -> str | None:
        mid = self.transceiver.mid
        return None if mid is None else str(mid)


class SubscriberPeer(_Peer):
    """The client's receiving peer connection: the SFU's offers, the client's answers, its RTCP."""

    def __init__(
        self, host: adapter.HostCandidates, networks: tuple[Network, ...], servers: list[RTCIceServer]
    ) -> None:
        super().__init__(host, networks, servers)
        self.slots: list[Slot] = []
        self.by_ssrc: dict[int, DownTrack] = {}
        self.offer_outstanding = False
        self.dirty = False

    def attach(self, up: UpTrack, now: float) -> Slot:
        """Puts `up` on an inactive slot of its kind, or on a new m-line."""
        slot = next((slot for slot in self.slots if slot.up is None and slot.kind == up.kind), None)
        if slot is None:
            slot = self._new_slot(up.kind, "sendonly")
        slot.transceiver.direction = "sendonly"
        adapter.set_stream_id(slot.transceiver, up.session_id)
        slot.up = up
        if slot.downtrack is None:
            ssrc, rtx_ssrc = adapter.sender_ssrcs(slot.transceiver)
            slot.downtrack = DownTrack(
                up,
                ssrc,
                rtx_ssrc,
                initial_sequence=random.getrandbits(15),
                initial_timestamp=random.getrandbits(32),
            )
            slot.downtrack.send = self.send_rtp
            self.by_ssrc[ssrc] = slot.downtrack
        else:
            slot.downtrack.switch_source(up, now)
        up.downtracks.append(slot.downtrack)
        return slot

    def _new_slot(self, kind: str, direction: str) -> Slot:
        transceiver = self.pc.addTransceiver(kind, direction=direction)
        self._take_transport(transceiver)
        slot = Slot(transceiver, kind)
        adapter.capture_send(transceiver, functools.partial(self._configure, slot))
        self.slots.append(slot)
        return slot

    def ensure_m_line(self) -> None:
        """An offer needs an m-line (an SDP without one has an empty BUNDLE group browsers refuse),
        and with it the transport connects at once: an inactive audio slot, for the first audio track."""
        if not self.slots:
            self._new_slot("audio", "inactive")

    def detach(self, slot: Slot) -> None:
        """The slot's track left: it stops forwarding and goes inactive in the next offer."""
        if slot.up is not None and slot.downtrack is not None and slot.downtrack in slot.up.downtracks:
            slot.up.downtracks.remove(slot.downtrack)
        slot.up = None
        slot.transceiver.direction = "inactive"

    def _configure(self, slot: Slot, parameters: RtpParameters) -> None:
        if slot.downtrack is not None:
            slot.downtrack.configure(parameters)
            slot.downtrack.up.request_keyframe(time.monotonic())

    async def offer(self) -> str:
        self.offer_outstanding = True
        await self.pc.setLocalDescription(await self.pc.createOffer())
        return str(self.pc.localDescription.sdp)

    async def accept(self, answer_sdp: str) -> None:
        try:
            await self.pc.setRemoteDescription(
                RTCSessionDescription(sdp=filter_sdp_candidates(answer_sdp, self._networks), type="answer")
            )
        except Exception as exc:
            raise InvalidArgument(f"SDP-ответ не принят: {exc}", field="description") from exc
        self.offer_outstanding = False

    async def _on_rtcp(self, data: bytes) -> None:
        if self.send_rtp is not None:
            with contextlib.suppress(ConnectionError):
                answer_feedback(data, self.by_ssrc, self.send_rtp)

    def report(self, now: float, cname: str) -> None:
        """Sender reports with SDES for every down-track that has sent something."""
        wall = time.time()
        reports = []
        chunks = []
        for slot in self.slots:
            downtrack = slot.downtrack
            if downtrack is None or slot.up is None:
                continue
            report = downtrack.sender_report(now, wall)
            if report is not None:
                reports.append(report)
                chunks.append(
                    (downtrack.ssrc, (downtrack.parameters.cname if downtrack.parameters else "") or cname)
                )
        for start in range(0, len(reports), 16):
            self.send_rtcp(b"".join(reports[start : start + 16]) + rtcp.sdes(chunks[start : start + 16]))
