"""CheckOperator: other services ask the directory whether their caller is operator staff (the
operator's statistics in messaging, R-STAT-1). Real directory over gRPC, real tokens."""

from __future__ import annotations

import grpc
import pytest

from parta.directory.v1 import organisations_pb2, organisations_pb2_grpc
from tests.support.platform import Platform
from tests.support.schools import operator_tokens


async def check(platform: Platform, token: str | None) -> bool:
    assert platform.directory.grpc is not None
    async with grpc.aio.insecure_channel(platform.directory.grpc.address) as channel:
        metadata = (("authorization", f"Bearer {token}"),) if token else ()
        reply = await organisations_pb2_grpc.OrganisationsStub(channel).CheckOperator(
            organisations_pb2.CheckOperatorRequest(), metadata=metadata, timeout=5
        )
    return bool(reply.operator)


async def test_operator_staff_are_told_so_and_nobody_else(platform: Platform) -> None:
    operator = await operator_tokens(platform, "+79990000730")
    somebody = await platform.sign_in("somebody@operator-check.example")
    assert await check(platform, operator["access_token"]) is True
    assert await check(platform, somebody["access_token"]) is False


async def test_check_operator_needs_a_token(platform: Platform) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await check(platform, None)
    assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
