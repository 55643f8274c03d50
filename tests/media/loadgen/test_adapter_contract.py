"""Contract tests of the aiortc / aioice private names the load generator relies on
(services/media/loadgen/adapter.py): they fail the day aiortc or aioice renames or reshapes one."""

from __future__ import annotations

import asyncio
import inspect
import queue

from aioice import Connection
from aiortc import RTCDtlsTransport, RTCPeerConnection, RTCRtpReceiver
from aiortc.mediastreams import MediaStreamTrack

from services.media.loadgen import loopback_configuration
from services.media.loadgen.adapter import _RECEIVER_QUEUE


def _parameters(function: object) -> list[str]:
    return list(inspect.signature(function).parameters)  # type: ignore[arg-type]


def test_dtls_transport_hooks_exist_with_their_signatures() -> None:
    assert _parameters(RTCDtlsTransport._handle_rtp_data) == ["self", "data", "arrival_time_ms"]
    assert _parameters(RTCDtlsTransport._handle_rtcp_data) == ["self", "data"]
    assert _parameters(RTCDtlsTransport._send_rtp) == ["self", "data"]


def test_ice_connection_hooks_exist_with_their_signatures() -> None:
    assert _parameters(Connection.get_component_candidates)[:3] == ["self", "component", "addresses"]
    assert _parameters(Connection._add_remote_candidate) == ["self", "remote_candidate", "network_host"]
    assert _parameters(Connection.request_received) == ["self", "message", "addr", "protocol"]


async def test_receiver_keeps_its_decoder_queue_and_track_queue_where_the_adapter_looks() -> None:
    offerer, answerer = (
        RTCPeerConnection(loopback_configuration()),
        RTCPeerConnection(loopback_configuration()),
    )
    try:
        offerer.addTransceiver("video", direction="sendonly")
        await answerer.setRemoteDescription(await offerer.createOffer())  # no gathering: no local description
        transceiver = answerer.getTransceivers()[0]
        receiver: RTCRtpReceiver = transceiver.receiver
        assert isinstance(getattr(receiver, _RECEIVER_QUEUE), queue.Queue)
        track: MediaStreamTrack = receiver.track
        assert isinstance(track._queue, asyncio.Queue)
        ice = transceiver.receiver.transport.transport.iceGatherer
        assert isinstance(ice._connection, Connection)
    finally:
        await offerer.close()
        await answerer.close()
