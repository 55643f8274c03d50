"""The gateway's gRPC channels to the services, and the metadata it forwards with each call:
the caller's bearer token (services verify it themselves), request id, client address and agent."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import grpc
from fastapi import Request

from parta.identity.v1 import identity_pb2_grpc
from services.common.grpcserver import CLIENT_ADDRESS_KEY, REQUEST_ID_KEY, USER_AGENT_KEY


@dataclass
class ServiceClients:
    identity_channel: grpc.aio.Channel
    identity: identity_pb2_grpc.IdentityStub
    timeout: float

    @classmethod
    def connect(cls, *, identity_addr: str, timeout: float) -> ServiceClients:
        options = [("grpc.keepalive_time_ms", 30_000), ("grpc.enable_retries", 1)]
        channel = grpc.aio.insecure_channel(identity_addr, options=options)
        return cls(
            identity_channel=channel, identity=identity_pb2_grpc.IdentityStub(channel), timeout=timeout
        )

    async def close(self) -> None:
        await self.identity_channel.close()


def client_address(request: Request, trust_forwarded_for: bool) -> str:
    if trust_forwarded_for:
        forwarded = request.headers.get("x-forwarded-for", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.client.host if request.client else "unknown"


def call_metadata(request: Request, trust_forwarded_for: bool) -> tuple[tuple[str, str], ...]:
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
