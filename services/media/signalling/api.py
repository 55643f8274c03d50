"""The media service's gRPC service `parta.media.v1.Signalling`: checks the session is the caller's
own and open (and that they may still read the chat, R-MEDIA-3: `calls.parts.SessionCheck`), then
passes the request to the SFU process holding the call (placement). The SFU's refusals come back as
they are (its NOT_FOUND / INVALID_ARGUMENT / PERMISSION_DENIED, with their messages)."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, TypeAlias, TypeVar

import grpc

from parta.media.v1 import media_pb2, signalling_pb2, signalling_pb2_grpc
from services.common import errors
from services.common.auth import current_principal
from services.common.logging import get_logger
from services.media.calls.parts import SessionCheck
from services.media.placement.parts import Placement

log = get_logger(__name__)

Context: TypeAlias = Any  # grpc.aio.ServicerContext (grpcio ships no type hints)
T = TypeVar("T")

SERVICE_NAME = "parta.media.v1.Signalling"
SFU_TIMEOUT = 10.0
SFU_ERRORS: dict[grpc.StatusCode, type[errors.PartaError]] = {
    grpc.StatusCode.INVALID_ARGUMENT: errors.InvalidArgument,
    grpc.StatusCode.NOT_FOUND: errors.NotFound,
    grpc.StatusCode.PERMISSION_DENIED: errors.PermissionDenied,
    grpc.StatusCode.FAILED_PRECONDITION: errors.InvalidArgument,
}


async def from_sfu(call: Awaitable[T]) -> T:
    """The SFU's reply; its refusal as the same Parta error, anything else UNAVAILABLE."""
    try:
        return await call
    except grpc.aio.AioRpcError as error:
        refusal = SFU_ERRORS.get(error.code())
        if refusal is not None:
            raise refusal(error.details() or "Запрос отклонён сервером звонков") from None
        log.warning("signalling.sfu_failed", code=error.code().name)
        raise errors.Unavailable("Сервер звонков сейчас недоступен, попробуйте ещё раз") from None


class SignallingApi(signalling_pb2_grpc.SignallingServicer):
    def __init__(self, sessions: SessionCheck, placement: Placement) -> None:
        self._sessions = sessions
        self._placement = placement

    async def _sfu(self, call_id: str, session_id: str, *, ask_access: bool = False) -> Any:
        """The SFU of the caller's own open session. Offers and subscriptions ask messaging again
        whether the caller may still read the chat (R-MEDIA-3); ICE candidates and visible tiles,
        many and harmless, check only that the session is theirs and open."""
        session = await self._sessions(current_principal(), call_id, session_id, ask_access=ask_access)
        return self._placement.sfu(session.sfu_address)

    async def Negotiate(
        self, request: signalling_pb2.NegotiateRequest, context: Context
    ) -> signalling_pb2.NegotiateResponse:
        sfu = await self._sfu(request.call_id, request.session_id, ask_access=True)
        return await from_sfu(sfu.Negotiate(request, timeout=SFU_TIMEOUT))

    async def Subscribe(
        self, request: signalling_pb2.SessionRef, context: Context
    ) -> media_pb2.SubscriberOffer:
        sfu = await self._sfu(request.call_id, request.session_id, ask_access=True)
        return await from_sfu(sfu.Subscribe(request, timeout=SFU_TIMEOUT))

    async def AddIceCandidate(
        self, request: signalling_pb2.AddIceCandidateRequest, context: Context
    ) -> signalling_pb2.SignallingAck:
        sfu = await self._sfu(request.call_id, request.session_id)
        await from_sfu(sfu.AddIceCandidate(request, timeout=SFU_TIMEOUT))
        return signalling_pb2.SignallingAck()

    async def SetVisibleSessions(
        self, request: signalling_pb2.SetVisibleSessionsRequest, context: Context
    ) -> signalling_pb2.SignallingAck:
        sfu = await self._sfu(request.call_id, request.session_id)
        await from_sfu(sfu.SetVisibleSessions(request, timeout=SFU_TIMEOUT))
        return signalling_pb2.SignallingAck()
