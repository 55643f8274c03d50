"""aiortc client peers for the media tests, confined to loopback (the issue's network safety): host
candidates only on 127.0.0.1 and nothing sent outside 127.0.0.0/8 — the same confinement the SFU's
engine applies (`services.media.sfu.adapter.restrict_ice`), applied to the client's transports before
they gather. `publisher_offer` adds a microphone and a camera track and gives the offer SDP with the
`TrackInfo` of each m-line; `close_all` closes the peers a test made.

`CallParticipant` is a whole client of a call as the web client is one (issue 14): its session's
publisher and subscriber peers through `parta.media.v1.Signalling` with the person's token, the
SFU's pushed re-offers answered, and on `LiveCallEvent.reconnect` (the call moved to another SFU
process) both peers replaced for the same session, no action from anyone; it counts the video frames
its current subscriber peer receives, so a test sees media flowing again after a move."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable
from typing import Any

from aiortc import (
    AudioStreamTrack,
    MediaStreamTrack,
    RTCConfiguration,
    RTCPeerConnection,
    RTCSessionDescription,
    VideoStreamTrack,
)
from aiortc.mediastreams import MediaStreamError
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg

from parta.media.v1 import media_pb2, signalling_pb2, signalling_pb2_grpc
from services.common.live import media_subject
from services.media.sfu import adapter

LOOPBACK = adapter.parse_networks(["127.0.0.0/8"])


def loopback_peer() -> RTCPeerConnection:
    """A client peer with no STUN/TURN servers (nothing to ask outside)."""
    return RTCPeerConnection(RTCConfiguration(iceServers=[]))


def confine(pc: RTCPeerConnection) -> None:
    """Every transport of the peer gathers on 127.0.0.1 only and talks only to 127.0.0.0/8."""
    adapter.confine_peer(pc, ("127.0.0.1",), LOOPBACK)


async def publisher_offer(pc: RTCPeerConnection) -> tuple[str, list[media_pb2.TrackInfo]]:
    """A microphone and a camera on `pc`; the offer (local description set) and its tracks."""
    pc.addTrack(AudioStreamTrack())
    pc.addTrack(VideoStreamTrack())
    confine(pc)
    await pc.setLocalDescription(await pc.createOffer())
    sources = {"audio": media_pb2.TRACK_SOURCE_MICROPHONE, "video": media_pb2.TRACK_SOURCE_CAMERA}
    tracks = [
        media_pb2.TrackInfo(mid=str(t.mid), kind=t.kind, source=sources[t.kind]) for t in pc.getTransceivers()
    ]
    return pc.localDescription.sdp, tracks


async def close_all(peers: Iterable[RTCPeerConnection]) -> None:
    for pc in peers:
        await pc.close()


class CallParticipant:
    """One person's session in a call, as an aiortc client on loopback: `publish()` sends a microphone
    and a camera, `receive()` takes the others' tracks; it follows its LiveCallEvents on NATS (pushed
    subscriber offers, `reconnect`). `frames` counts the video frames received, `reconnects` the moves
    it followed."""

    def __init__(
        self,
        signalling: signalling_pb2_grpc.SignallingStub,
        nc: NATS,
        token: str,
        user_id: str,
        call_id: str,
        session_id: str,
    ) -> None:
        self._signalling = signalling
        self._nc = nc
        self._metadata = (("authorization", f"Bearer {token}"),)
        self.user_id = user_id
        self.call_id = call_id
        self.session_id = session_id
        self.publisher: RTCPeerConnection | None = None
        self.subscriber: RTCPeerConnection | None = None
        self.publishing = False
        self._frames: dict[int, int] = {}  # id of a subscriber peer → video frames it received
        self._replaced: RTCPeerConnection | None = None  # the subscriber a reconnect is replacing
        self.reconnects: list[str] = []
        self.errors: list[str] = []  # what failed in the background (answering a pushed offer, a reconnect)
        self.closed = False
        self._peers: list[RTCPeerConnection] = []
        self._readers: set[asyncio.Task[None]] = set()
        self._offers = asyncio.Lock()
        self._sub: Any = None
        self._work: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self._sub = await self._nc.subscribe(media_subject(self.user_id), cb=self._heard)

    @property
    def frames(self) -> int:
        """Video frames the current subscriber peer has received (none while a reconnect replaces it)."""
        if self.subscriber is None or self.subscriber is self._replaced:
            return 0
        return self._frames.get(id(self.subscriber), 0)

    def _ref(self) -> signalling_pb2.SessionRef:
        return signalling_pb2.SessionRef(call_id=self.call_id, session_id=self.session_id)

    async def _heard(self, msg: Msg) -> None:
        event = media_pb2.LiveCallEvent.FromString(msg.data)
        if event.call_id != self.call_id or event.session_id not in ("", self.session_id):
            return
        if event.HasField("subscriber_offer"):
            self._spawn(self._answer(event.subscriber_offer, fresh=False))
        elif event.HasField("reconnect"):
            self.reconnects.append(event.reconnect.reason)
            self._replaced = self.subscriber
            self._spawn(self.reconnect())

    def _spawn(self, work: Any) -> None:
        task = asyncio.ensure_future(work)
        self._work.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._work.discard(task)
        if not task.cancelled() and task.exception() is not None and not self.closed:
            self.errors.append(repr(task.exception()))

    # --- the publisher ------------------------------------------------------------------------
    async def publish(self) -> None:
        """A new publisher peer with a microphone and a camera, offered to the SFU holding the call."""
        self.publishing = True
        pc = loopback_peer()
        self._peers.append(pc)
        old, self.publisher = self.publisher, pc
        if old is not None:
            await old.close()
        sdp, tracks = await publisher_offer(pc)
        reply = await self._signalling.Negotiate(
            signalling_pb2.NegotiateRequest(
                call_id=self.call_id,
                session_id=self.session_id,
                role=media_pb2.PEER_ROLE_PUBLISHER,
                description=media_pb2.SessionDescription(type="offer", sdp=sdp),
                tracks=tracks,
            ),
            metadata=self._metadata,
            timeout=10,
        )
        await pc.setRemoteDescription(RTCSessionDescription(sdp=reply.answer.sdp, type="answer"))

    # --- the subscriber -----------------------------------------------------------------------
    async def receive(self) -> None:
        """A new subscriber peer: asks the SFU for its offer and answers it."""
        offer = await self._signalling.Subscribe(self._ref(), metadata=self._metadata, timeout=10)
        await self._answer(offer, fresh=True)

    async def _answer(self, offer: media_pb2.SubscriberOffer, *, fresh: bool) -> None:
        async with self._offers:
            if fresh or self.subscriber is None:
                pc = loopback_peer()
                pc.on("track", lambda track, pc=pc: self._read(pc, track))
                self._peers.append(pc)
                old, self.subscriber = self.subscriber, pc
                if old is not None:
                    await old.close()
            pc = self.subscriber
            await pc.setRemoteDescription(RTCSessionDescription(sdp=offer.description.sdp, type="offer"))
            confine(pc)
            await pc.setLocalDescription(await pc.createAnswer())
            await self._signalling.Negotiate(
                signalling_pb2.NegotiateRequest(
                    call_id=self.call_id,
                    session_id=self.session_id,
                    role=media_pb2.PEER_ROLE_SUBSCRIBER,
                    description=media_pb2.SessionDescription(type="answer", sdp=pc.localDescription.sdp),
                ),
                metadata=self._metadata,
                timeout=10,
            )

    def _read(self, pc: RTCPeerConnection, track: MediaStreamTrack) -> None:
        if track.kind != "video":
            return

        async def count() -> None:
            with contextlib.suppress(MediaStreamError):
                while True:
                    await track.recv()
                    self._frames[id(pc)] = self._frames.get(id(pc), 0) + 1

        task = asyncio.ensure_future(count())
        self._readers.add(task)
        task.add_done_callback(self._readers.discard)

    # --- the move -----------------------------------------------------------------------------
    async def reconnect(self) -> None:
        """The call moved: both peers replaced for the same session (as the web client does)."""
        if self.publishing:
            await self.publish()
        await self.receive()

    async def close(self) -> None:
        self.closed = True
        if self._sub is not None:
            with contextlib.suppress(Exception):
                await self._sub.unsubscribe()
        for task in [*self._work, *self._readers]:
            task.cancel()
        await close_all(self._peers)
