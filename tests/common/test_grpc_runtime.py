"""The shared gRPC runtime: domain errors become status codes with the rule and Retry-After in
trailing metadata; a crash becomes INTERNAL without leaking details; public methods need no token."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest
import pytest_asyncio

from services.common import errors
from services.common.auth import current_principal
from services.common.grpcserver import GrpcServer, status_for
from services.gateway.errors import HTTP_FOR_STATUS

RAISES: dict[str, Exception] = {
    "bad": errors.InvalidArgument("Плохой ввод"),
    "rule": errors.RuleRefused("R-MOD-3: блокировка только после более чем трёх нарушений", rule="R-MOD-3"),
    "often": errors.RateLimited("Слишком часто", retry_after=42),
    "crash": RuntimeError("secret internals"),
}


async def _echo(request: bytes, context: Any) -> bytes:
    return request


async def _raiser(request: bytes, context: Any) -> bytes:
    raise RAISES[request.decode()]


async def _whoami(request: bytes, context: Any) -> bytes:
    return current_principal().user_id.encode()


@pytest_asyncio.fixture(scope="module")
async def server() -> AsyncIterator[str]:
    grpc_server = GrpcServer(
        "test", host="127.0.0.1", port=0, verifier=None, public_methods={"/test.T/Raise", "/test.T/Echo"}
    )
    handlers = {
        "Raise": grpc.unary_unary_rpc_method_handler(_raiser),
        "Echo": grpc.unary_unary_rpc_method_handler(_echo),
        "WhoAmI": grpc.unary_unary_rpc_method_handler(_whoami),
    }
    grpc_server.add(
        lambda servicer, s: s.add_generic_rpc_handlers(
            [grpc.method_handlers_generic_handler("test.T", handlers)]
        ),
        None,
        "test.T",
    )
    await grpc_server.start()
    yield grpc_server.address
    await grpc_server.stop(1)


async def call(address: str, method: str, body: bytes) -> grpc.aio.AioRpcError:
    async with grpc.aio.insecure_channel(address) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await channel.unary_unary(f"/test.T/{method}")(body)
    return refused.value


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("bad", grpc.StatusCode.INVALID_ARGUMENT),
        ("rule", grpc.StatusCode.FAILED_PRECONDITION),
        ("often", grpc.StatusCode.RESOURCE_EXHAUSTED),
        ("crash", grpc.StatusCode.INTERNAL),
    ],
)
async def test_errors_map_to_status_codes(server: str, case: str, code: grpc.StatusCode) -> None:
    error = await call(server, "Raise", case.encode())
    assert error.code() == code


async def test_rule_refusal_carries_the_rule(server: str) -> None:
    error = await call(server, "Raise", b"rule")
    assert error.details().startswith("R-MOD-3")
    assert ("parta-rule", "R-MOD-3") in tuple(error.trailing_metadata() or ())


async def test_rate_limit_carries_retry_after(server: str) -> None:
    error = await call(server, "Raise", b"often")
    assert ("retry-after", "42") in tuple(error.trailing_metadata() or ())


async def test_crash_does_not_leak_internals(server: str) -> None:
    error = await call(server, "Raise", b"crash")
    assert "secret" not in (error.details() or "")
    assert "Внутренняя ошибка" in (error.details() or "")


async def test_public_method_needs_no_token_and_others_do(server: str) -> None:
    async with grpc.aio.insecure_channel(server) as channel:
        assert await channel.unary_unary("/test.T/Echo")(b"hi") == b"hi"
    error = await call(server, "WhoAmI", b"")
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED


def test_every_domain_error_has_a_status_and_an_http_status() -> None:
    samples: dict[type[errors.PartaError], errors.PartaError] = {
        errors.RuleRefused: errors.RuleRefused("x", rule="R-X-1"),
        errors.RateLimited: errors.RateLimited("x", retry_after=1),
    }
    for cls in errors.PartaError.__subclasses__():
        error = samples.get(cls) or cls("x")
        code = status_for(error)
        assert code != grpc.StatusCode.INTERNAL, cls
        assert HTTP_FOR_STATUS[code][0] in {400, 401, 403, 404, 409, 429, 503}, cls
