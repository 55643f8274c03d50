"""The SFU process shell (services/media/sfu/{main,api,config}.py) with the real engine, over real
gRPC and NATS: the control plane's calls reach the engine, a publisher's offer from an aiortc client
(loopback only) is answered, session states stream to WatchSessions (snapshot, then changes), and
bad requests are refused with clear statuses."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import grpc
import nats
import pytest
import pytest_asyncio
from aiortc import RTCSessionDescription

from parta.media.v1 import media_pb2, sfu_pb2, sfu_pb2_grpc, signalling_pb2
from services.common.live import media_subject
from services.media.sfu.main import SfuApp
from tests.support.media_peers import close_all, confine, loopback_peer, publisher_offer
from tests.support.platform import Infra, running_sfu
from tests.support.waiting import until


@pytest_asyncio.fixture(scope="module")
async def sfu(infra: Infra) -> AsyncIterator[SfuApp]:
    async with running_sfu(infra.nats.url) as app:
        yield app


@pytest_asyncio.fixture
async def stub(sfu: SfuApp) -> AsyncIterator[sfu_pb2_grpc.SfuStub]:
    assert sfu.grpc is not None
    async with grpc.aio.insecure_channel(sfu.grpc.address) as channel:
        yield sfu_pb2_grpc.SfuStub(channel)


def ids() -> tuple[str, str, str]:
    return str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())


async def next_state(stream: object, session_id: str) -> int:
    """The next state the stream gives for `session_id` (others' states skipped)."""
    while True:
        state = await stream.read()  # type: ignore[attr-defined]
        assert state is not grpc.aio.EOF, "the WatchSessions stream ended"
        if state.session_id == session_id:
            return int(state.connection)


async def test_watch_sessions_gives_the_open_sessions_then_each_change(stub: sfu_pb2_grpc.SfuStub) -> None:
    call_id, first, user = ids()
    await stub.OpenSession(
        sfu_pb2.OpenSessionRequest(call_id=call_id, session_id=first, user_id=user, may_publish=True)
    )
    stream = stub.WatchSessions(sfu_pb2.WatchSessionsRequest())
    assert await next_state(stream, first) == sfu_pb2.MEDIA_CONNECTION_NEW  # the snapshot
    second = str(uuid.uuid4())
    await stub.OpenSession(
        sfu_pb2.OpenSessionRequest(call_id=call_id, session_id=second, user_id=user, may_publish=True)
    )
    await stub.CloseSession(signalling_pb2.SessionRef(call_id=call_id, session_id=first))
    assert await next_state(stream, first) == sfu_pb2.MEDIA_CONNECTION_CLOSED
    await stub.CloseCall(sfu_pb2.CloseCallRequest(call_id=call_id))
    assert await next_state(stream, second) == sfu_pb2.MEDIA_CONNECTION_CLOSED
    stream.cancel()


async def test_a_publisher_offer_from_aiortc_is_answered_and_connects(stub: sfu_pb2_grpc.SfuStub) -> None:
    call_id, session_id, user = ids()
    stream = stub.WatchSessions(sfu_pb2.WatchSessionsRequest())
    await stub.OpenSession(
        sfu_pb2.OpenSessionRequest(call_id=call_id, session_id=session_id, user_id=user, may_publish=True)
    )
    pc = loopback_peer()
    try:
        sdp, tracks = await publisher_offer(pc)
        reply = await stub.Negotiate(
            signalling_pb2.NegotiateRequest(
                call_id=call_id,
                session_id=session_id,
                role=media_pb2.PEER_ROLE_PUBLISHER,
                description=media_pb2.SessionDescription(type="offer", sdp=sdp),
                tracks=tracks,
            )
        )
        assert reply.answer.type == "answer"
        assert "a=fingerprint" in reply.answer.sdp
        candidates = [line for line in reply.answer.sdp.splitlines() if line.startswith("a=candidate")]
        assert candidates
        assert all(" 127.0.0.1 " in line for line in candidates), candidates
        await pc.setRemoteDescription(RTCSessionDescription(sdp=reply.answer.sdp, type="answer"))
        state = await next_state(stream, session_id)
        while state == sfu_pb2.MEDIA_CONNECTION_NEW:
            state = await next_state(stream, session_id)
        assert state == sfu_pb2.MEDIA_CONNECTION_CONNECTED
    finally:
        stream.cancel()
        await stub.CloseCall(sfu_pb2.CloseCallRequest(call_id=call_id))
        await close_all([pc])


async def test_a_request_for_an_unknown_call_is_not_found(stub: sfu_pb2_grpc.SfuStub) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.Subscribe(
            signalling_pb2.SessionRef(call_id=str(uuid.uuid4()), session_id=str(uuid.uuid4()))
        )
    assert refused.value.code() == grpc.StatusCode.NOT_FOUND


async def test_a_negotiation_without_a_role_is_invalid(stub: sfu_pb2_grpc.SfuStub) -> None:
    call_id, session_id, user = ids()
    await stub.OpenSession(
        sfu_pb2.OpenSessionRequest(call_id=call_id, session_id=session_id, user_id=user, may_publish=True)
    )
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.Negotiate(
            signalling_pb2.NegotiateRequest(
                call_id=call_id,
                session_id=session_id,
                description=media_pb2.SessionDescription(type="offer", sdp="v=0"),
            )
        )
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    await stub.CloseCall(sfu_pb2.CloseCallRequest(call_id=call_id))


async def test_a_new_publishers_tracks_reach_a_subscriber_as_a_re_offer_on_its_live_subject(
    stub: sfu_pb2_grpc.SfuStub, infra: Infra
) -> None:
    """The engine's re-offer goes out as a LiveCallEvent on NATS `parta.live.media.<user_id>`."""
    call_id, viewer, viewer_user = ids()
    publisher, publisher_user = str(uuid.uuid4()), str(uuid.uuid4())
    for session, user in ((viewer, viewer_user), (publisher, publisher_user)):
        await stub.OpenSession(
            sfu_pb2.OpenSessionRequest(call_id=call_id, session_id=session, user_id=user, may_publish=True)
        )
    client = await nats.connect(infra.nats.url)
    heard: list[media_pb2.LiveCallEvent] = []

    async def keep(message: nats.aio.msg.Msg) -> None:
        event = media_pb2.LiveCallEvent()
        event.ParseFromString(message.data)
        heard.append(event)

    await client.subscribe(media_subject(viewer_user), cb=keep)
    await client.flush()
    viewer_pc, publisher_pc = loopback_peer(), loopback_peer()
    try:
        first = await stub.Subscribe(signalling_pb2.SessionRef(call_id=call_id, session_id=viewer))
        await viewer_pc.setRemoteDescription(RTCSessionDescription(sdp=first.description.sdp, type="offer"))
        confine(viewer_pc)
        await viewer_pc.setLocalDescription(await viewer_pc.createAnswer())
        await stub.Negotiate(
            signalling_pb2.NegotiateRequest(
                call_id=call_id,
                session_id=viewer,
                role=media_pb2.PEER_ROLE_SUBSCRIBER,
                description=media_pb2.SessionDescription(type="answer", sdp=viewer_pc.localDescription.sdp),
            )
        )
        sdp, tracks = await publisher_offer(publisher_pc)
        await stub.Negotiate(
            signalling_pb2.NegotiateRequest(
                call_id=call_id,
                session_id=publisher,
                role=media_pb2.PEER_ROLE_PUBLISHER,
                description=media_pb2.SessionDescription(type="offer", sdp=sdp),
                tracks=tracks,
            )
        )

        def re_offers() -> list[media_pb2.LiveCallEvent]:
            return [e for e in heard if e.HasField("subscriber_offer")]

        event = (await until(re_offers, what="the viewer's re-offer on NATS"))[0]
        assert (event.call_id, event.session_id) == (call_id, viewer)
        assert event.subscriber_offer.description.type == "offer"
        offered = {(t.session_id, t.user_id, t.source) for t in event.subscriber_offer.tracks}
        assert offered == {
            (publisher, publisher_user, media_pb2.TRACK_SOURCE_MICROPHONE),
            (publisher, publisher_user, media_pb2.TRACK_SOURCE_CAMERA),
        }
    finally:
        await client.close()
        await stub.CloseCall(sfu_pb2.CloseCallRequest(call_id=call_id))
        await close_all([viewer_pc, publisher_pc])
