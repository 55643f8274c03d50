"""The gateway's middlewares as plain ASGI callables: request metrics (with the last-resort 500
that is never a stack trace), the security headers on every response, and the body limit (413
before a body is parsed). Plain ASGI rather than
Starlette's `BaseHTTPMiddleware`, which runs each request through a task group and memory streams —
measurable on the message-post path — and buffers nothing of a streamed download."""

from __future__ import annotations

import re
import time
from collections.abc import Mapping

from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.gateway.errors import error_response

HTTP_REQUESTS = Counter("parta_http_requests_total", "HTTP requests served", ["route", "method", "status"])
HTTP_LATENCY = Histogram(
    "parta_http_request_duration_seconds",
    "HTTP request latency",
    ["route", "method"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)


class RequestMetrics:
    """Counts and times each HTTP request by its route template (never by its raw path, which
    holds ids); an exception no handler mapped becomes a plain 500 with a human message."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_and_note(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status, response_started = int(message["status"]), True
            await send(message)

        method = scope["method"]
        try:
            await self.app(scope, receive, send_and_note)
        except Exception:
            HTTP_REQUESTS.labels("unhandled", method, "500").inc()
            if response_started:
                raise
            await error_response(500, "internal", "Внутренняя ошибка шлюза")(scope, receive, send)
            return
        template = getattr(scope.get("route"), "path", "unmatched")
        HTTP_REQUESTS.labels(template, method, str(status)).inc()
        HTTP_LATENCY.labels(template, method).observe(time.perf_counter() - started)


class SecurityHeaders:
    """Adds each of `headers` to every HTTP response that does not set it itself."""

    def __init__(self, app: ASGIApp, headers: Mapping[str, str]) -> None:
        self.app = app
        self.headers = [
            (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", ())}
                extra = [(name, value) for name, value in self.headers if name not in present]
                if extra:
                    message = {**message, "headers": [*message.get("headers", ()), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyLimit:
    """Refuses a request body larger than `limit` bytes with 413 before anything parses it — by its
    Content-Length when declared, else by counting what arrives (buffered: only up to `limit`).
    The routes that stream a file (`streamed`: paths matching it) are exempt: they count it under
    their own limit (http/attachments.py)."""

    def __init__(self, app: ASGIApp, limit: int, streamed: re.Pattern[str]) -> None:
        self.app = app
        self.limit = limit
        self.streamed = streamed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        if self.streamed.fullmatch(scope["path"]):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", ()))
        declared = headers.get(b"content-length")
        if declared is not None:
            if not declared.isdigit() or int(declared) > self.limit:
                await self._refuse(scope, receive, send)
                return
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                await self._refuse(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": b"".join(chunks), "more_body": False}

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = f"{self.limit // 1024} КБ" if self.limit < 1024 * 1024 else f"{self.limit // 1024 // 1024} МБ"
        await error_response(413, "payload_too_large", f"Запрос слишком большой: не больше {limit}")(
            scope, receive, send
        )
