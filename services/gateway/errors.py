"""gRPC status → HTTP error, with the service's human message and the rule it cites.

Every error leaves the gateway as `{"error": {"code", "message", "rule"?}}`.
"""

from __future__ import annotations

from typing import Any

import grpc
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from services.common.grpcserver import FIELD_KEY, RETRY_AFTER_KEY, RULE_KEY

HTTP_FOR_STATUS: dict[grpc.StatusCode, tuple[int, str]] = {
    grpc.StatusCode.INVALID_ARGUMENT: (400, "invalid_argument"),
    grpc.StatusCode.OUT_OF_RANGE: (400, "invalid_argument"),
    grpc.StatusCode.UNAUTHENTICATED: (401, "unauthenticated"),
    grpc.StatusCode.PERMISSION_DENIED: (403, "permission_denied"),
    grpc.StatusCode.NOT_FOUND: (404, "not_found"),
    grpc.StatusCode.ALREADY_EXISTS: (409, "already_exists"),
    grpc.StatusCode.FAILED_PRECONDITION: (409, "rule_refused"),
    grpc.StatusCode.ABORTED: (409, "conflict"),
    grpc.StatusCode.RESOURCE_EXHAUSTED: (429, "rate_limited"),
    grpc.StatusCode.UNAVAILABLE: (503, "unavailable"),
    grpc.StatusCode.DEADLINE_EXCEEDED: (504, "timeout"),
    grpc.StatusCode.UNIMPLEMENTED: (501, "not_implemented"),
}


class ErrorBody(BaseModel):
    code: str = Field(examples=["rule_refused"])
    message: str = Field(examples=["Блокировка возможна только после более чем трёх нарушений"])
    rule: str | None = Field(default=None, examples=["R-MOD-3"])
    field: str | None = Field(
        default=None, examples=["tax_id"], description="the request field the error is about, when it is one"
    )


class ErrorResponse(BaseModel):
    error: ErrorBody


def error_response(
    status: int,
    code: str,
    message: str,
    *,
    rule: str | None = None,
    field: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {"code": code, "message": message}
    if rule:
        body["rule"] = rule
    if field:
        body["field"] = field
    return JSONResponse({"error": body}, status_code=status, headers=headers)


def _trailer(error: grpc.aio.AioRpcError, key: str) -> str | None:
    for item in error.trailing_metadata() or ():
        if item[0] == key:
            return str(item[1])
    return None


async def on_grpc_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, grpc.aio.AioRpcError)
    status, code = HTTP_FOR_STATUS.get(error.code(), (500, "internal"))
    if error.code() == grpc.StatusCode.UNAVAILABLE and not _trailer(error, RULE_KEY):
        message = error.details() or "Сервис временно недоступен"
    else:
        message = error.details() or error.code().name
    headers = {}
    retry_after = _trailer(error, RETRY_AFTER_KEY)
    if retry_after:
        headers["Retry-After"] = retry_after
    return error_response(
        status,
        code,
        message,
        rule=_trailer(error, RULE_KEY),
        field=_trailer(error, FIELD_KEY),
        headers=headers,
    )


async def on_validation_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    problems = []
    fields = []
    for problem in error.errors():
        parts = [str(part) for part in problem.get("loc", ()) if part not in ("body", "query", "path")]
        where = ".".join(parts)
        if parts:
            fields.append(parts[0])
        problems.append(f"{where}: {problem.get('msg')}" if where else str(problem.get("msg")))
    message = "Некорректный запрос: " + "; ".join(problems)
    return error_response(400, "invalid_argument", message, field=fields[0] if fields else None)


async def on_http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    codes = {
        400: "invalid_argument",
        401: "unauthenticated",
        403: "permission_denied",
        404: "not_found",
        405: "method_not_allowed",
    }
    message = error.detail if isinstance(error.detail, str) else "Ошибка запроса"
    if error.status_code == 404 and message == "Not Found":
        message = "Нет такого адреса"
    return error_response(
        error.status_code, codes.get(error.status_code, "error"), message, headers=dict(error.headers or {})
    )
