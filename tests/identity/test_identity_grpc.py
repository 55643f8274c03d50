"""Identity over real gRPC: health checking, reflection, metrics, key rotation without downtime."""

from __future__ import annotations

import grpc
import httpx
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from parta.identity.v1 import identity_pb2 as pb
from parta.identity.v1 import identity_pb2_grpc
from services.common.auth import TokenVerifier
from services.common.errors import Unauthenticated
from services.common.identity_keys import identity_key_source
from tests.support.http import bearer
from tests.support.platform import Platform


async def test_health_check_answers_serving(platform: Platform) -> None:
    async with grpc.aio.insecure_channel(platform.identity_addr) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        for service in ("", "parta.identity.v1.Identity"):
            reply = await stub.Check(health_pb2.HealthCheckRequest(service=service))
            assert reply.status == health_pb2.HealthCheckResponse.SERVING


async def test_reflection_lists_the_identity_service(platform: Platform) -> None:
    async with grpc.aio.insecure_channel(platform.identity_addr) as channel:
        stub = reflection_pb2_grpc.ServerReflectionStub(channel)
        request = reflection_pb2.ServerReflectionRequest(list_services="")
        async for reply in stub.ServerReflectionInfo(iter([request])):
            names = {s.name for s in reply.list_services_response.service}
            break
    assert "parta.identity.v1.Identity" in names
    assert "grpc.health.v1.Health" in names


async def test_metrics_endpoints_count_requests(platform: Platform) -> None:
    await platform.http.post("/api/v1/auth/code", json={"destination": "metrics@school.example"})
    assert platform.identity.runtime.metrics is not None
    assert platform.gateway.metrics is not None
    async with httpx.AsyncClient() as client:
        identity = (
            await client.get(f"http://127.0.0.1:{platform.identity.runtime.metrics.port}/metrics")
        ).text
        gateway = (await client.get(f"http://127.0.0.1:{platform.gateway.metrics.port}/metrics")).text
    assert (
        'parta_grpc_requests_total{code="OK",method="/parta.identity.v1.Identity/RequestCode",service="identity"}'
        in identity
    )
    assert 'parta_http_requests_total{method="POST",route="/api/v1/auth/code",status="202"}' in gateway
    assert "parta_db_transaction_duration_seconds_bucket" in identity


async def test_unauthenticated_grpc_call_is_refused(platform: Platform) -> None:
    async with grpc.aio.insecure_channel(platform.identity_addr) as channel:
        stub = identity_pb2_grpc.IdentityStub(channel)
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await stub.GetMe(pb.GetMeRequest())
    assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_key_rotation_keeps_old_tokens_valid_and_new_ones_use_the_new_key(platform: Platform) -> None:
    before = await platform.sign_in("rotation@school.example")
    # Another service verifies locally with keys fetched from identity.
    async with grpc.aio.insecure_channel(platform.identity_addr) as channel:
        verifier = TokenVerifier(
            identity_key_source(identity_pb2_grpc.IdentityStub(channel)), refresh_interval=0
        )
        assert (await verifier.verify(before["access_token"])).user_id == before["user_id"]

        new_kid = await platform.identity.keys.rotate()
        refreshed = (
            await platform.http.post("/api/v1/auth/refresh", json={"refresh_token": before["refresh_token"]})
        ).json()
        assert new_kid in _kid(refreshed["access_token"])
        # Both the token signed before the rotation and the one after verify, at identity and elsewhere.
        for tokens in (before, refreshed):
            assert (await platform.http.get("/api/v1/me", headers=bearer(tokens))).status_code == 200
            assert (await verifier.verify(tokens["access_token"])).user_id == before["user_id"]
        jwks = (await platform.http.get("/api/v1/auth/keys")).json()["keys"]
        assert new_kid in {key["kid"] for key in jwks}
        assert len(jwks) == 2

        with pytest.raises(Unauthenticated):
            await verifier.verify(before["access_token"][:-4] + "AAAA")


def _kid(token: str) -> str:
    import jwt

    return str(jwt.get_unverified_header(token)["kid"])
