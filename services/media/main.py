"""Wires the media service together and runs it: `parta-media [serve|migrate]` — the control plane of
calls in chats (calls/: who may join, participants, the end of a call; signalling/: passing WebRTC
signalling to the SFU that holds the call; placement/: which SFU that is)."""

from __future__ import annotations

from datetime import UTC, datetime

import grpc

from parta.directory.v1 import membership_pb2_grpc
from parta.media.v1 import broadcasts_pb2_grpc, calls_pb2, calls_pb2_grpc, signalling_pb2_grpc
from parta.messaging.v1 import chats_pb2_grpc
from services.common.auth import Principal
from services.common.grpcserver import GrpcServer
from services.common.runtime import ServiceRuntime, run_service
from services.common.serving import IdentityKeys, Servicer
from services.media.broadcasts.access import RoomAccess
from services.media.broadcasts.api import SERVICE_NAME as BROADCASTS_SERVICE_NAME
from services.media.broadcasts.api import BroadcastsApi
from services.media.broadcasts.directory import DirectoryMembership
from services.media.broadcasts.notices import BroadcastNotices
from services.media.broadcasts.planning import Broadcasts
from services.media.broadcasts.questions import Questions
from services.media.broadcasts.store import BroadcastStore
from services.media.calls.access import MessagingChatAccess
from services.media.calls.api import SERVICE_NAME as CALLS_SERVICE_NAME
from services.media.calls.api import CallsApi, join_pb
from services.media.calls.connections import ConnectionWatch
from services.media.calls.events import chat_changes_subscription
from services.media.calls.ice import IceServer, ice_servers
from services.media.calls.live import CallLive
from services.media.calls.participation import Calls
from services.media.calls.parts import ChatAccessCheck
from services.media.calls.store import CallStore
from services.media.config import MediaSettings
from services.media.placement.single import OneSfu
from services.media.signalling.api import SERVICE_NAME as SIGNALLING_SERVICE_NAME
from services.media.signalling.api import SignallingApi

MIGRATIONS = "services.media:migrations"


class MediaApp:
    """The media service process: the shared runtime plus calls, signalling and the SFU placement —
    and broadcasts (broadcasts/, R-MEDIA-2: planned by the administrator, their audience, questions;
    a broadcast's call is a call, decision 010)."""

    def __init__(self, settings: MediaSettings) -> None:
        self.settings = settings
        self.runtime = ServiceRuntime("media", settings, migrations=MIGRATIONS, subscriptions=[])
        self.placement = OneSfu(settings.sfu_addr)
        self.identity = IdentityKeys(settings.identity_addr)
        self._messaging_channel: grpc.aio.Channel | None = None
        self._directory_channel: grpc.aio.Channel | None = None
        self.calls: Calls | None = None
        self.broadcasts: Broadcasts | None = None
        self._broadcast_store = BroadcastStore()
        self._membership: DirectoryMembership | None = None
        self.connections: ConnectionWatch | None = None
        self.grpc: GrpcServer | None = None

    def _ice_for(self, user_id: str, now: datetime) -> list[IceServer]:
        return ice_servers(
            user_id,
            now,
            stun_urls=self.settings.stun_url_list,
            turn_urls=self.settings.turn_url_list,
            turn_secret=self.settings.turn_secret.get_secret_value(),
            turn_ttl_seconds=self.settings.turn_ttl_seconds,
        )

    def _room_access(self, chats: ChatAccessCheck) -> RoomAccess:
        """Every call room's access (decision 010): a broadcast's id is answered by broadcasts
        (R-MEDIA-2, its audience asked of directory), any other goes on to `chats` (messaging,
        R-MEDIA-3)."""
        self._directory_channel = grpc.aio.insecure_channel(self.settings.directory_addr)
        self._membership = DirectoryMembership(membership_pb2_grpc.MembersStub(self._directory_channel))
        return RoomAccess(self.runtime.db, self._broadcast_store, self._membership, chats, clock)

    def _broadcasting(self, calls: Calls) -> tuple[Broadcasts, Questions]:
        """Broadcasts (R-MEDIA-2): joining one is joining its call through `calls`."""
        assert self._membership is not None, "_room_access first: calls are wired before broadcasts"

        async def join_call(principal: Principal, room_id: str) -> calls_pb2.JoinCallResponse:
            return join_pb(await calls.join(principal, room_id))

        notices = BroadcastNotices(lambda: self.runtime.nc, self._membership)
        broadcasts = Broadcasts(
            self.runtime.db,
            self._broadcast_store,
            self._membership,
            join_call,
            clock,
            notices,
            calls.room_closed,
        )
        return broadcasts, Questions(self.runtime.db, self._broadcast_store, broadcasts, clock)

    async def start(self) -> None:
        # grpc.aio channels bind to the running loop: made here, not in __init__.
        self._messaging_channel = grpc.aio.insecure_channel(self.settings.messaging_addr)
        access = self._room_access(MessagingChatAccess(chats_pb2_grpc.ChatsStub(self._messaging_channel)))
        self.calls = Calls(
            self.runtime.db,
            CallStore(),
            access,
            self.placement,
            CallLive(lambda: self.runtime.nc),
            self._ice_for,
        )
        # A call follows its chat: who left it or was removed leaves the call, a block silences.
        self.runtime.subscriptions.append(chat_changes_subscription(self.calls))
        self.broadcasts, questions = self._broadcasting(self.calls)
        await self.runtime.open()
        self.connections = ConnectionWatch(
            self.placement,
            self.calls.disconnected,
            self.calls.open_sessions_on,
            grace_seconds=self.settings.session_grace_seconds,
            connect_seconds=self.settings.session_connect_seconds,
        )
        self.grpc = await self.runtime.serve_grpc(
            self.identity.verifier(),
            [
                Servicer(
                    calls_pb2_grpc.add_CallsServicer_to_server, CallsApi(self.calls), CALLS_SERVICE_NAME
                ),
                Servicer(
                    broadcasts_pb2_grpc.add_BroadcastsServicer_to_server,
                    BroadcastsApi(self.broadcasts, questions),
                    BROADCASTS_SERVICE_NAME,
                ),
                Servicer(
                    signalling_pb2_grpc.add_SignallingServicer_to_server,
                    SignallingApi(self.calls.open_session_of, self.placement),
                    SIGNALLING_SERVICE_NAME,
                ),
            ],
        )
        self.connections.start()

    async def stop(self) -> None:
        if self.connections is not None:
            await self.connections.stop()
        if self.broadcasts is not None:
            await self.broadcasts.close()
        await self.runtime.close()
        await self.placement.close()
        await self.identity.close()
        if self._messaging_channel is not None:
            await self._messaging_channel.close()
        if self._directory_channel is not None:
            await self._directory_channel.close()


def clock() -> datetime:
    return datetime.now(UTC)


def main() -> None:
    run_service("media", MediaSettings, MediaApp, MIGRATIONS)


if __name__ == "__main__":
    main()
