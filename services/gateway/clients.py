"""The gateway's gRPC channels to the services, and the metadata it forwards with each call:
the caller's bearer token (services verify it themselves), request id, client address and agent."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import grpc
from starlette.requests import HTTPConnection

from parta.directory.v1 import directory_pb2_grpc
from parta.identity.v1 import identity_pb2_grpc
from parta.messaging.v1 import messaging_pb2_grpc, notifications_pb2_grpc, statistics_pb2_grpc
from services.common.grpcserver import CLIENT_ADDRESS_KEY, REQUEST_ID_KEY, USER_AGENT_KEY

MAX_MESSAGE_BYTES = 16 * 1024 * 1024


def _channel(address: str) -> grpc.aio.Channel:
    return grpc.aio.insecure_channel(
        address,
        options=[
            ("grpc.keepalive_time_ms", 30_000),
            ("grpc.enable_retries", 1),
            ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
            ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
        ],
    )


@dataclass
class ServiceClients:
    channels: dict[str, grpc.aio.Channel]
    identity: identity_pb2_grpc.IdentityStub
    directory: directory_pb2_grpc.DirectoryStub
    messaging: messaging_pb2_grpc.MessagingStub
    timeout: float
    # Weekly statistics (R-STAT-1), served by the messaging process.
    statistics: statistics_pb2_grpc.StatisticsStub
    # Push subscriptions, the digest and quiet hours, served by the messaging process.
    notifications: notifications_pb2_grpc.NotificationsStub

    @classmethod
    def connect(
        cls, *, identity_addr: str, directory_addr: str, messaging_addr: str, timeout: float
    ) -> ServiceClients:
        channels = {
            "identity": _channel(identity_addr),
            "directory": _channel(directory_addr),
            "messaging": _channel(messaging_addr),
        }
        return cls(
            channels=channels,
            identity=identity_pb2_grpc.IdentityStub(channels["identity"]),
            directory=directory_pb2_grpc.DirectoryStub(channels["directory"]),
            messaging=messaging_pb2_grpc.MessagingStub(channels["messaging"]),
            timeout=timeout,
            statistics=statistics_pb2_grpc.StatisticsStub(channels["messaging"]),
            notifications=notifications_pb2_grpc.NotificationsStub(channels["messaging"]),
        )

    async def close(self) -> None:
        for channel in self.channels.values():
            await channel.close()


def client_address(request: HTTPConnection, trust_forwarded_for: bool) -> str:
    if trust_forwarded_for:
        forwarded = request.headers.get("x-forwarded-for", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.client.host if request.client else "unknown"


def call_metadata(request: HTTPConnection, trust_forwarded_for: bool) -> tuple[tuple[str, str], ...]:
    request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
    items = [
        (REQUEST_ID_KEY, request_id[:64]),
        (CLIENT_ADDRESS_KEY, client_address(request, trust_forwarded_for)),
        (USER_AGENT_KEY, request.headers.get("user-agent", "")[:200]),
    ]
    authorization = request.headers.get("authorization")
    if authorization:
        items.append(("authorization", authorization))
    return tuple(items)
