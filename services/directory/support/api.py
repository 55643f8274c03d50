"""The directory's gRPC service `parta.directory.v1.Support`: support requests (R-PRIV-4). Thin:
read the request, ask the domain, shape the reply. No rules here."""

from __future__ import annotations

from typing import Any, TypeAlias

from sqlalchemy import Row

from parta.directory.v1 import support_pb2, support_pb2_grpc
from services.common.auth import current_principal
from services.common.convert import to_timestamp
from services.directory.support import requests as support
from services.directory.support.requests import Support

Context: TypeAlias = Any  # grpc.aio.ServicerContext (grpcio ships no type hints)

SERVICE_NAME = "parta.directory.v1.Support"


def _enum_name(names: tuple[str, ...], value: int) -> str | None:
    """An enum's value (1-based, 0 = unspecified) as its name, None when unspecified."""
    return names[value - 1] if 1 <= value <= len(names) else None


def support_request_message(row: Row[Any]) -> support_pb2.SupportRequest:
    return support_pb2.SupportRequest(
        id=str(row.id),
        organisation_id=str(row.organisation_id),
        author_id=str(row.author_id),
        addressee=support.ADDRESSEES.index(row.addressee) + 1,  # type: ignore[arg-type]
        subject=row.subject,
        text=row.text,
        status=support.STATUSES.index(row.status) + 1,  # type: ignore[arg-type]
        answer=row.answer,
        created_at=to_timestamp(row.created_at),
        updated_at=to_timestamp(row.updated_at),
    )


class SupportApi(support_pb2_grpc.SupportServicer):
    def __init__(self, support: Support) -> None:
        self._support = support

    # --- support requests (R-PRIV-4) ------------------------------------------------------
    async def CreateSupportRequest(
        self, request: support_pb2.CreateSupportRequestRequest, context: Context
    ) -> support_pb2.SupportRequest:
        row = await self._support.create(
            current_principal(),
            request.organisation_id,
            _enum_name(support.ADDRESSEES, request.addressee) or "",
            request.subject,
            request.text,
        )
        return support_request_message(row)

    async def ListSupportRequests(
        self, request: support_pb2.ListSupportRequestsRequest, context: Context
    ) -> support_pb2.ListSupportRequestsResponse:
        rows = await self._support.list(
            current_principal(),
            request.organisation_id,
            _enum_name(support.ADDRESSEES, request.addressee),
            _enum_name(support.STATUSES, request.status),
        )
        return support_pb2.ListSupportRequestsResponse(requests=[support_request_message(r) for r in rows])

    async def UpdateSupportRequest(
        self, request: support_pb2.UpdateSupportRequestRequest, context: Context
    ) -> support_pb2.SupportRequest:
        row = await self._support.update(
            current_principal(),
            request.request_id,
            _enum_name(support.STATUSES, request.status),
            request.answer or None,
        )
        return support_request_message(row)
