"""The contract between the SFU and the private parts of aiortc (and aioice) it uses, all reached
through services/media/sfu/adapter.py. Each test names one private name and fails the day an aiortc
upgrade renames it, changes its signature or stops calling it where the adapter expects."""

from __future__ import annotations

import asyncio
import inspect
import queue

import aioice.ice
import pylibsrtp
import pytest
from aiortc import RTCDtlsTransport, RTCPeerConnection, RTCRtpReceiver, RTCRtpSender, RTCRtpTransceiver
from aiortc import rtcdtlstransport as dtlstransport
from aiortc import rtcpeerconnection as peerconnection
from aiortc.mediastreams import MediaStreamTrack
from aiortc.rtcicetransport import RTCIceGatherer
from pylibsrtp._binding import ffi as srtp_ffi
from pylibsrtp._binding import lib as srtp_lib

from services.media.sfu import adapter


def parameters(function: object) -> list[str]:
    assert callable(function)
    return list(inspect.signature(function).parameters)


def source(function: object) -> str:
    assert callable(function)
    return inspect.getsource(function)


def test_aiortc_is_the_pinned_version() -> None:
    import aiortc

    assert aiortc.__version__ == "1.16.0"


def test_decrypted_packets_reach_the_transports_rtp_and_rtcp_handlers() -> None:
    assert parameters(RTCDtlsTransport._handle_rtp_data) == ["self", "data", "arrival_time_ms"]
    assert parameters(RTCDtlsTransport._handle_rtcp_data) == ["self", "data"]
    receive_loop = source(RTCDtlsTransport._recv_next)
    assert "self._handle_rtp_data(" in receive_loop
    assert "self._handle_rtcp_data(" in receive_loop
    assert "unprotect" in receive_loop


def test_a_finished_packet_is_sent_with_the_transports_send_rtp() -> None:
    assert parameters(RTCDtlsTransport._send_rtp) == ["self", "data"]
    assert inspect.iscoroutinefunction(RTCDtlsTransport._send_rtp)
    assert "protect_rtcp" in source(RTCDtlsTransport._send_rtp)


def test_the_per_packet_send_does_what_send_rtp_does_without_coroutines() -> None:
    """adapter.rtp_sender_of repeats these steps: the DTLS state, the SRTP session, the selected
    pair of the ICE agent and its protocol's datagram transport."""
    send_rtp = source(RTCDtlsTransport._send_rtp)
    assert "self._state != State.CONNECTED" in send_rtp
    assert "self._tx_srtp.protect(data)" in send_rtp
    assert "self.transport._send(data)" in send_rtp
    assert "active_pair = self._nominated.get(component)" in source(aioice.ice.Connection.sendto)
    assert "active_pair.protocol.send_data(data, active_pair.remote_addr)" in source(
        aioice.ice.Connection.sendto
    )
    assert "self.transport.sendto(data, addr)" in source(aioice.ice.StunProtocol.send_data)


def test_pylibsrtp_is_the_version_whose_private_names_the_adapter_uses() -> None:
    assert pylibsrtp.__version__ == "1.0.0"


def test_the_transports_tx_srtp_is_a_pylibsrtp_session_set_up_once_the_keys_are_agreed() -> None:
    """adapter.rtp_protector protects with `_tx_srtp`'s own srtp_t: the session aiortc keyed."""
    assert "self._tx_srtp = Session(tx_policy)" in source(RTCDtlsTransport._setup_srtp)
    assert dtlstransport.Session is pylibsrtp.Session


def test_a_pylibsrtp_session_holds_its_srtp_t_in_srtp_and_protects_with_srtp_protect() -> None:
    session = pylibsrtp.Session()
    assert srtp_ffi.typeof(session._srtp) is srtp_ffi.typeof("srtp_t *")
    assert "lib.srtp_protect," in source(pylibsrtp.Session.protect)
    assert "self._srtp[0]" in inspect.getsource(pylibsrtp.Session)


def test_libsrtp_protect_takes_the_session_a_buffer_and_its_length_in_place() -> None:
    assert srtp_ffi.typeof(srtp_lib.srtp_protect) is srtp_ffi.typeof(
        "srtp_err_status_t(*)(srtp_t, void *, int *)"
    )
    assert srtp_lib.srtp_err_status_ok == 0
    assert pylibsrtp.ERRORS[1] == "unspecified failure"
    assert pylibsrtp.SRTP_MAX_TRAILER_LEN == 16 + 128


def test_the_peer_connection_starts_receivers_and_senders_through_receive_and_send() -> None:
    connect = source(RTCPeerConnection._RTCPeerConnection__connect)  # type: ignore[attr-defined]
    assert "transceiver.receiver.receive(" in connect
    assert "transceiver.sender.send(" in connect
    assert parameters(RTCRtpReceiver.receive) == ["self", "parameters"]
    assert parameters(RTCRtpSender.send) == ["self", "parameters"]
    # Never started, they have nothing to stop: close() stays clean.
    assert "if self.__started" in source(RTCRtpReceiver.stop)
    assert "if self.__started" in source(RTCRtpSender.stop)


def test_the_zero_count_sender_reports_come_from_the_senders_rtcp_loop_that_send_starts() -> None:
    assert "self._run_rtcp()" in source(RTCRtpSender.send)
    assert "RtcpSrPacket" in source(RTCRtpSender._run_rtcp)


def test_an_m_line_announces_the_senders_ssrcs_and_stream_id() -> None:
    describe = source(peerconnection.create_media_description_for_transceiver)
    assert "transceiver.sender._ssrc" in describe
    assert "transceiver.sender._rtx_ssrc" in describe
    assert "transceiver.sender._stream_id" in describe


def test_a_transceiver_keeps_its_negotiated_codecs_and_header_extensions() -> None:
    remote = source(RTCPeerConnection.setRemoteDescription)
    assert "transceiver._codecs = " in remote
    assert "transceiver._headerExtensions = " in remote
    init = source(RTCRtpTransceiver.__init__)
    assert "self._codecs" in init
    assert "self._headerExtensions" in init


def test_the_ice_agent_is_the_gatherers_aioice_connection() -> None:
    assert "self._connection = Connection(" in source(RTCIceGatherer.__init__)
    connection = aioice.ice.Connection
    assert parameters(connection.get_component_candidates)[:3] == ["self", "component", "addresses"]
    assert "self.get_component_candidates(" in source(connection.gather_candidates)
    assert parameters(connection._add_remote_candidate) == ["self", "remote_candidate", "network_host"]
    assert "self._add_remote_candidate(" in source(connection.add_remote_candidate)
    assert parameters(connection.request_received) == ["self", "message", "addr", "protocol"]
    assert "self.receiver.request_received(" in source(aioice.ice.StunProtocol.datagram_received)
    assert "check_incoming" in source(connection.request_received)


async def test_a_restricted_agent_gathers_only_the_given_address_and_drops_outside_candidates() -> None:
    pc = adapter.new_peer_connection([])
    transceiver = pc.addTransceiver("audio", direction="sendonly")
    transport = adapter.dtls_transport(transceiver)
    adapter.restrict_ice(transport, ("127.0.0.1",), adapter.parse_networks(["127.0.0.0/8"]))
    try:
        await pc.setLocalDescription(await pc.createOffer())
        gatherer = transport.transport.iceGatherer
        assert {candidate.ip for candidate in gatherer.getLocalCandidates()} == {"127.0.0.1"}
        connection = gatherer._connection
        outside = aioice.Candidate("1", 1, "udp", 2130706431, "192.0.2.7", 9, "host")
        inside = aioice.Candidate("2", 1, "udp", 2130706431, "127.0.0.1", 9, "host")
        await connection.add_remote_candidate(outside)
        await connection.add_remote_candidate(inside)
        assert [candidate.host for candidate in connection.remote_candidates] == ["127.0.0.1"]
    finally:
        await pc.close()


@pytest.mark.parametrize(
    ("host", "allowed"),
    [("127.0.0.1", True), ("127.8.9.10", True), ("10.0.0.1", False), ("::1", False), ("abc.local", False)],
)
def test_only_addresses_inside_the_allowed_networks_are_allowed(host: str, allowed: bool) -> None:
    assert adapter.address_allowed(host, adapter.parse_networks(["127.0.0.0/8"])) is allowed


async def test_a_stun_check_from_outside_the_allowed_networks_is_neither_answered_nor_learnt() -> None:
    """A peer-reflexive candidate is learnt from an incoming check: from outside the allowed networks
    the agent must not answer it (that would send to the address) nor pair with it."""
    pc = adapter.new_peer_connection([])
    transceiver = pc.addTransceiver("audio", direction="sendonly")
    transport = adapter.dtls_transport(transceiver)
    adapter.restrict_ice(transport, ("127.0.0.1",), adapter.parse_networks(["127.0.0.0/8"]))
    try:
        await pc.setLocalDescription(await pc.createOffer())
        connection = transport.transport.iceGatherer._connection
        connection.remote_username, connection.remote_password = "peer", "peerpassword1234567890"

        class Protocol:
            sent: list[tuple[str, int]] = []  # noqa: RUF012

            def send_stun(self, message: object, addr: tuple[str, int]) -> None:
                self.sent.append(addr)

        def check() -> aioice.stun.Message:
            request = aioice.stun.Message(
                message_method=aioice.stun.Method.BINDING, message_class=aioice.stun.Class.REQUEST
            )
            request.attributes["USERNAME"] = f"{connection.local_username}:peer"
            request.attributes["PRIORITY"] = 1853824767
            request.attributes["ICE-CONTROLLING"] = 1
            request.add_message_integrity(connection.local_password.encode("utf8"))
            return request

        protocol = Protocol()
        connection.request_received(check(), ("192.0.2.9", 5000), protocol)
        assert protocol.sent == []
        connection.request_received(check(), ("127.0.0.1", 5000), protocol)
        assert protocol.sent == [("127.0.0.1", 5000)]  # the same check from inside is answered
    finally:
        await pc.close()


async def test_a_receiver_keeps_its_decoder_queue_and_its_track_queue_where_client_peers_look() -> None:
    """The load generator's subscribers never decode: they swap the receiver's decoder queue."""
    offerer, answerer = RTCPeerConnection(), RTCPeerConnection()
    try:
        offerer.addTransceiver("video", direction="sendonly")
        await answerer.setRemoteDescription(await offerer.createOffer())  # no gathering: no local description
        receiver: RTCRtpReceiver = answerer.getTransceivers()[0].receiver
        assert isinstance(getattr(receiver, adapter._RECEIVER_QUEUE), queue.Queue)
        track: MediaStreamTrack = receiver.track
        assert isinstance(track._queue, asyncio.Queue)
    finally:
        await offerer.close()
        await answerer.close()
