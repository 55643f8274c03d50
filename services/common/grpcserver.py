"""The gRPC server every service runs: grpc.aio with health checking, reflection and one
interceptor that gives each call a request id and log context, times and counts it, checks its
access token (unless the method is public), refuses text PostgreSQL cannot store (request_text.py)
and maps Parta errors to status codes.

Rule refusals travel as FAILED_PRECONDITION with the rule in the `parta-rule` trailing metadata;
rate limits as RESOURCE_EXHAUSTED with `retry-after` (seconds).
"""

from __future__ import annotations

import asyncio
import inspect
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from typing import Any

import grpc
from google.protobuf.message import Message
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1._async import HealthServicer
from grpc_reflection.v1alpha import reflection

from services.common import errors
from services.common.auth import TokenVerifier, bearer_token, reset_principal, set_principal
from services.common.logging import bind_context, get_logger
from services.common.metrics import GRPC_LATENCY, GRPC_REQUESTS
from services.common.request_text import refuse_nul
from services.common.tasks import TaskSpawner

log = get_logger(__name__)

STATUS_FOR_ERROR: dict[type[errors.PartaError], grpc.StatusCode] = {
    errors.InvalidArgument: grpc.StatusCode.INVALID_ARGUMENT,
    errors.NotFound: grpc.StatusCode.NOT_FOUND,
    errors.AlreadyExists: grpc.StatusCode.ALREADY_EXISTS,
    errors.RuleRefused: grpc.StatusCode.FAILED_PRECONDITION,
    errors.PermissionDenied: grpc.StatusCode.PERMISSION_DENIED,
    errors.Unauthenticated: grpc.StatusCode.UNAUTHENTICATED,
    errors.RateLimited: grpc.StatusCode.RESOURCE_EXHAUSTED,
    errors.Unavailable: grpc.StatusCode.UNAVAILABLE,
}

# Metadata keys the gateway sets; services trust them only from inside the cluster.
REQUEST_ID_KEY = "x-request-id"
CLIENT_ADDRESS_KEY = "x-client-address"
USER_AGENT_KEY = "x-client-user-agent"
RULE_KEY = "parta-rule"
FIELD_KEY = "parta-field"
RETRY_AFTER_KEY = "retry-after"

HealthCheck = Callable[[], Awaitable[bool]]


def metadata_value(context: grpc.aio.ServicerContext[Any, Any], key: str) -> str | None:
    for item in context.invocation_metadata() or ():
        if item.key == key:
            return str(item.value)
    return None


def status_for(error: errors.PartaError) -> grpc.StatusCode:
    for cls in type(error).__mro__:
        if cls in STATUS_FOR_ERROR:
            return STATUS_FOR_ERROR[cls]
    return grpc.StatusCode.INTERNAL


def trailing_metadata_for(error: errors.PartaError) -> tuple[tuple[str, str], ...]:
    items: list[tuple[str, str]] = []
    if error.rule:
        items.append((RULE_KEY, error.rule))
    if error.field:
        items.append((FIELD_KEY, error.field))
    if isinstance(error, errors.RateLimited):
        items.append((RETRY_AFTER_KEY, str(error.retry_after)))
    return tuple(items)


class PartaServerInterceptor(grpc.aio.ServerInterceptor):  # type: ignore[misc]
    def __init__(self, service: str, verifier: TokenVerifier | None, public_methods: Iterable[str]) -> None:
        self._service = service
        self._verifier = verifier
        self._public = frozenset(public_methods)

    def _is_public(self, method: str) -> bool:
        return method in self._public or method.startswith("/grpc.")

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(details)
        if handler is None:
            return handler
        method: str = details.method
        public = self._is_public(method)
        if handler.unary_unary is not None:
            inner = handler.unary_unary

            async def call(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
                return await self._handle(inner, request, context, method, public)

            return grpc.unary_unary_rpc_method_handler(
                call,
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        if method.startswith("/grpc."):
            return handler  # health Watch, reflection: gRPC's own streaming services
        if handler.stream_unary is not None:
            # A client-streaming call (an upload): the same checks, the request is the iterator.
            inner_upload = handler.stream_unary

            async def upload(requests: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
                return await self._handle(inner_upload, requests, context, method, public)

            return grpc.stream_unary_rpc_method_handler(
                upload,
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        if handler.unary_stream is not None:
            # A server-streaming call (a download): the same checks around each reply it yields.
            inner_stream = handler.unary_stream

            async def stream(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> AsyncIterator[Any]:
                async for reply in self._handle_stream(inner_stream, request, context, method, public):
                    yield reply

            return grpc.unary_stream_rpc_method_handler(
                stream,
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        raise RuntimeError(f"{method}: bidirectional streaming calls are not checked by the interceptor")

    async def _handle(
        self,
        inner: Callable[[Any, Any], Awaitable[Any]],
        request: Any,
        context: grpc.aio.ServicerContext[Any, Any],
        method: str,
        public: bool,
    ) -> Any:
        request_id = metadata_value(context, REQUEST_ID_KEY) or uuid.uuid4().hex
        started = time.perf_counter()
        code = grpc.StatusCode.OK
        principal_token = None
        with bind_context(request_id=request_id, rpc=method):
            try:
                if not public:
                    principal_token = set_principal(await self._authenticate(context))
                if isinstance(request, Message):  # an upload's request is its stream of chunks
                    refuse_nul(request)
                return await inner(request, context)
            except errors.PartaError as error:
                code = status_for(error)
                if code in (grpc.StatusCode.INTERNAL, grpc.StatusCode.UNAVAILABLE):
                    log.warning("rpc.failed", code=code.name, error=error.message)
                await context.abort(code, error.message, trailing_metadata_for(error))
            except grpc.aio.AbortError:
                code = context.code() or grpc.StatusCode.UNKNOWN
                raise
            except asyncio.CancelledError:
                code = grpc.StatusCode.CANCELLED
                raise
            except Exception:
                code = grpc.StatusCode.INTERNAL
                log.exception("rpc.crashed")
                await context.abort(code, f"Внутренняя ошибка сервиса (запрос {request_id})")
            finally:
                if principal_token is not None:
                    reset_principal(principal_token)
                GRPC_REQUESTS.labels(self._service, method, code.name).inc()
                GRPC_LATENCY.labels(self._service, method).observe(time.perf_counter() - started)

    async def _handle_stream(
        self,
        inner: Callable[[Any, Any], Any],
        request: Any,
        context: grpc.aio.ServicerContext[Any, Any],
        method: str,
        public: bool,
    ) -> AsyncIterator[Any]:
        """`_handle` for a server-streaming handler (an async generator, or a coroutine that writes)."""
        request_id = metadata_value(context, REQUEST_ID_KEY) or uuid.uuid4().hex
        started = time.perf_counter()
        code = grpc.StatusCode.OK
        principal_token = None
        with bind_context(request_id=request_id, rpc=method):
            try:
                if not public:
                    principal_token = set_principal(await self._authenticate(context))
                refuse_nul(request)
                if inspect.isasyncgenfunction(inner):
                    async for reply in inner(request, context):
                        yield reply
                else:
                    await inner(request, context)
            except errors.PartaError as error:
                code = status_for(error)
                await context.abort(code, error.message, trailing_metadata_for(error))
            except grpc.aio.AbortError:
                code = context.code() or grpc.StatusCode.UNKNOWN
                raise
            except (asyncio.CancelledError, GeneratorExit):
                code = grpc.StatusCode.CANCELLED
                raise
            except Exception:
                code = grpc.StatusCode.INTERNAL
                log.exception("rpc.crashed")
                await context.abort(code, f"Внутренняя ошибка сервиса (запрос {request_id})")
            finally:
                if principal_token is not None:
                    reset_principal(principal_token)
                GRPC_REQUESTS.labels(self._service, method, code.name).inc()
                GRPC_LATENCY.labels(self._service, method).observe(time.perf_counter() - started)

    async def _authenticate(self, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
        token = bearer_token(metadata_value(context, "authorization"))
        if token is None:
            raise errors.Unauthenticated("Нужно войти: запрос без токена доступа")
        if self._verifier is None:
            raise errors.Unauthenticated("Этот сервис не принимает токены")
        return await self._verifier.verify(token)


class GrpcServer:
    """A grpc.aio server with Parta's interceptor, health checking and reflection."""

    def __init__(
        self,
        service: str,
        *,
        host: str,
        port: int,
        verifier: TokenVerifier | None,
        public_methods: Iterable[str] = (),
        health_checks: Iterable[HealthCheck] = (),
        health_interval: float = 2.0,
        max_message_bytes: int = 4 * 1024 * 1024,
    ) -> None:
        self.service = service
        self._host = host
        self._requested_port = port
        self.port = 0
        self._server = grpc.aio.server(
            interceptors=[PartaServerInterceptor(service, verifier, public_methods)],
            options=[
                ("grpc.so_reuseport", 0),
                ("grpc.max_receive_message_length", max_message_bytes),
                ("grpc.max_send_message_length", max_message_bytes),
            ],
        )
        self._service_names: list[str] = []
        self._health = HealthServicer()
        self._health_checks = list(health_checks)
        self._health_interval = health_interval
        self._tasks = TaskSpawner(f"{service}-grpc")

    def add(self, add_to_server: Callable[[Any, Any], None], servicer: Any, full_name: str) -> None:
        """Register a servicer: add(add_XServicer_to_server, servicer, "parta.x.v1.X")."""
        add_to_server(servicer, self._server)
        self._service_names.append(full_name)

    @property
    def address(self) -> str:
        return f"{self._host}:{self.port}"

    async def start(self) -> None:
        health_pb2_grpc.add_HealthServicer_to_server(self._health, self._server)
        names = [*self._service_names, health_pb2.DESCRIPTOR.services_by_name["Health"].full_name]
        reflection.enable_server_reflection([*names, reflection.SERVICE_NAME], self._server)
        self.port = self._server.add_insecure_port(f"{self._host}:{self._requested_port}")
        await self._server.start()
        await self._update_health()
        self._tasks.spawn(self._health_loop(), name=f"{self.service}-health")
        log.info("grpc.started", address=self.address)

    async def _update_health(self) -> None:
        healthy = True
        for check in self._health_checks:
            try:
                healthy = healthy and await check()
            except Exception:
                healthy = False
        status = (
            health_pb2.HealthCheckResponse.SERVING if healthy else health_pb2.HealthCheckResponse.NOT_SERVING
        )
        for name in ["", *self._service_names]:
            await self._health.set(name, status)

    async def _health_loop(self) -> None:
        while True:
            await asyncio.sleep(self._health_interval)
            await self._update_health()

    async def stop(self, grace: float) -> None:
        """Say NOT_SERVING, stop taking calls, let calls in flight finish within grace."""
        await self._tasks.close()
        await self._health.enter_graceful_shutdown()
        await self._server.stop(grace)
