"""A service's gRPC wiring (services/common/serving.py): the server built from its settings and
servicers, health from its checks, and access tokens verified with identity's keys fetched over
gRPC — the part every service but identity shares."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import grpc
import jwt
import pytest
import pytest_asyncio
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from grpc_health.v1 import health_pb2, health_pb2_grpc

from parta.identity.v1 import identity_pb2 as pb
from parta.identity.v1 import identity_pb2_grpc
from services.common.auth import AUDIENCE, ISSUER, b64url, current_principal
from services.common.grpcserver import GrpcServer
from services.common.serving import IdentityKeys, Servicer, grpc_server_for
from services.common.settings import ServiceSettings

SIGNING_KEY = Ed25519PrivateKey.generate()
IDENTITY = "parta.identity.v1.Identity"
SETTINGS = ServiceSettings(grpc_host="127.0.0.1", grpc_port=0)


class KeysOnly(identity_pb2_grpc.IdentityServicer):  # type: ignore[misc]
    """Identity, as far as another service needs it: its public signing keys."""

    async def GetSigningKeys(
        self, request: pb.GetSigningKeysRequest, context: Any
    ) -> pb.GetSigningKeysResponse:
        x = b64url(SIGNING_KEY.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))
        return pb.GetSigningKeysResponse(keys=[pb.SigningKey(kid="k1", x=x, active=True)])


def token(user_id: str) -> str:
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": user_id, "sid": "s1", "iat": now, "exp": now + 600}
    return jwt.encode(claims, SIGNING_KEY, algorithm="EdDSA", headers={"kid": "k1"})


def who_am_i_servicer(add: Any, server: Any) -> None:
    async def who_am_i(request: bytes, context: Any) -> bytes:
        return current_principal().user_id.encode()

    handlers = {"WhoAmI": grpc.unary_unary_rpc_method_handler(who_am_i)}
    server.add_generic_rpc_handlers([grpc.method_handlers_generic_handler("test.Who", handlers)])


@pytest_asyncio.fixture(scope="module")
async def identity() -> AsyncIterator[GrpcServer]:
    server = grpc_server_for(
        "identity",
        SETTINGS,
        None,
        [Servicer(identity_pb2_grpc.add_IdentityServicer_to_server, KeysOnly(), IDENTITY)],
        public_methods={f"/{IDENTITY}/GetSigningKeys"},
    )
    await server.start()
    yield server
    await server.stop(1)


async def test_calls_are_verified_with_identitys_keys(identity: GrpcServer) -> None:
    keys = IdentityKeys(identity.address)

    async def check() -> bool:
        return True

    server = grpc_server_for(
        "test",
        SETTINGS,
        keys.verifier(),
        [Servicer(who_am_i_servicer, None, "test.Who")],
        health_checks=[check],
    )
    await server.start()
    try:
        assert server.port != 0  # PARTA_GRPC_PORT=0: a free port
        async with grpc.aio.insecure_channel(server.address) as channel:
            who = channel.unary_unary("/test.Who/WhoAmI")
            assert await who(b"", metadata=(("authorization", f"Bearer {token('u42')}"),)) == b"u42"
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await who(b"")
            assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
            health = health_pb2_grpc.HealthStub(channel)
            reply = await health.Check(health_pb2.HealthCheckRequest(service="test.Who"))
            assert reply.status == health_pb2.HealthCheckResponse.SERVING
    finally:
        await server.stop(1)
        await keys.close()
