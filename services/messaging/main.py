"""Wires the messaging service together and runs it: `parta-messaging [serve|migrate]`."""

from __future__ import annotations

import grpc

from parta.identity.v1 import identity_pb2_grpc
from parta.messaging.v1 import messaging_pb2_grpc
from services.common.auth import TokenVerifier
from services.common.grpcserver import GrpcServer
from services.common.identity_keys import identity_key_source
from services.common.runtime import ServiceRuntime, run_service
from services.messaging.api import SERVICE_NAME, MessagingServicer
from services.messaging.chats import Chats
from services.messaging.config import MessagingSettings
from services.messaging.events import directory_subscription
from services.messaging.live import LivePublisher
from services.messaging.messages import Messages
from services.messaging.moderation import Moderation
from services.messaging.store import MessagingStore

MIGRATIONS = "services.messaging:migrations"


class MessagingApp:
    """The messaging service process: the shared runtime plus messaging's domain and servicer."""

    def __init__(self, settings: MessagingSettings) -> None:
        self.settings = settings
        self.store = MessagingStore()
        self.live = LivePublisher(lambda: self.runtime.nc)
        self.runtime = ServiceRuntime(
            "messaging",
            settings,
            migrations=MIGRATIONS,
            subscriptions=[directory_subscription(self.store, self.live)],
        )
        self.chats = Chats(self.runtime.db, self.store)
        self.messages = Messages(self.runtime.db, self.store, self.live)
        self.moderation = Moderation(self.runtime.db, self.store, self.live)
        self._identity_channel: grpc.aio.Channel | None = None
        self.grpc: GrpcServer | None = None

    async def start(self) -> None:
        await self.runtime.open()
        self._identity_channel = grpc.aio.insecure_channel(self.settings.identity_addr)
        verifier = TokenVerifier(identity_key_source(identity_pb2_grpc.IdentityStub(self._identity_channel)))
        self.grpc = GrpcServer(
            "messaging",
            host=self.settings.grpc_host,
            port=self.settings.grpc_port,
            verifier=verifier,
            health_checks=[self.runtime.health_db, self.runtime.health_nats],
        )
        self.grpc.add(
            messaging_pb2_grpc.add_MessagingServicer_to_server,
            MessagingServicer(self.chats, self.messages, self.moderation),
            SERVICE_NAME,
        )
        await self.runtime.serve(self.grpc)

    async def stop(self) -> None:
        await self.runtime.close()
        if self._identity_channel is not None:
            await self._identity_channel.close()


def main() -> None:
    run_service("messaging", MessagingSettings, MessagingApp, MIGRATIONS)


if __name__ == "__main__":
    main()
