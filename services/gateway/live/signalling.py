"""One socket's call signalling: its `call.*` requests (calls.py) passed to media's `Signalling`
contract with the socket's current token, one after another in the order they came — an offer
reaches the SFU before the ICE candidates that follow it — each answered on the socket with the
request's id. A refusal becomes an `error` frame with the request's id, the code, the service's
message and the rule it cites (R-MEDIA-3); nothing here closes the socket."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

import grpc
from prometheus_client import Counter

from parta.media.v1 import media_pb2 as mpb
from parta.media.v1 import signalling_pb2
from services.common.grpcserver import RULE_KEY
from services.common.logging import get_logger
from services.gateway.clients import Backends
from services.gateway.errors import HTTP_FOR_STATUS
from services.gateway.live.calls import (
    ROLES,
    CallRequest,
    Ice,
    Negotiate,
    SubscribeCall,
    Visible,
    answer_frame,
    offer_frame,
    ok_frame,
)
from services.gateway.live.protocol import error_frame

log = get_logger(__name__)

# Requests waiting on one socket; past this the client is told to slow down.
MAX_WAITING = 256

SIGNALS = Counter(
    "parta_gateway_call_signals_total",
    "call.* requests from live WebSockets passed to media's Signalling, by request and outcome",
    ["request", "outcome"],
)
REQUEST_NAMES = {Negotiate: "negotiate", SubscribeCall: "subscribe", Ice: "ice", Visible: "visible"}


def _rule(error: grpc.aio.AioRpcError) -> str:
    for key, value in error.trailing_metadata() or ():
        if key == RULE_KEY:
            return str(value)
    return ""


class Signaller:
    """`backends()` gives the stubs bound to the socket's person now (a refreshed token is used
    from the next request on); `send` queues a frame on the socket."""

    def __init__(self, backends: Callable[[], Backends], send: Callable[[str], None]) -> None:
        self._backends = backends
        self._send = send
        self._waiting: asyncio.Queue[CallRequest] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    def submit(self, request: CallRequest) -> None:
        if self._waiting.qsize() >= MAX_WAITING:
            self._send(
                error_frame(
                    "rate_limited", "Слишком много запросов звонка подряд", request_id=request.request_id
                )
            )
            return
        self._waiting.put_nowait(request)
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="live-signalling")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            request = await self._waiting.get()
            frame = await self._answer(request)
            if frame is not None:
                self._send(frame)

    async def _answer(self, request: CallRequest) -> str | None:
        name = REQUEST_NAMES[type(request)]
        try:
            answer = await self._ask(request)
        except grpc.aio.AioRpcError as error:
            SIGNALS.labels(name, "refused").inc()
            _, code = HTTP_FOR_STATUS.get(error.code(), (500, "internal"))
            if error.code() == grpc.StatusCode.UNAVAILABLE and not _rule(error):
                message = "Звонки сейчас недоступны, попробуйте позже"
            else:
                message = error.details() or error.code().name
            return error_frame(code, message, request_id=request.request_id, rule=_rule(error))
        except Exception as error:
            SIGNALS.labels(name, "failed").inc()
            log.warning("live.signalling_failed", error=str(error) or type(error).__name__)
            return error_frame(
                "unavailable", "Звонки сейчас недоступны, попробуйте позже", request_id=request.request_id
            )
        SIGNALS.labels(name, "ok").inc()
        return answer

    async def _ask(self, request: CallRequest) -> str | None:
        signalling = self._backends().signalling
        if isinstance(request, Negotiate):
            reply = await signalling.Negotiate(
                signalling_pb2.NegotiateRequest(
                    call_id=request.call_id,
                    session_id=request.session_id,
                    role=ROLES[request.role],
                    description=mpb.SessionDescription(type=request.description_type, sdp=request.sdp),
                    tracks=[mpb.TrackInfo(mid=t.mid, kind=t.kind, source=t.source) for t in request.tracks],
                )
            )
            if request.role == "publisher":
                return answer_frame(request, reply.answer)
            return ok_frame(request.request_id)
        if isinstance(request, SubscribeCall):
            offer = await signalling.Subscribe(
                signalling_pb2.SessionRef(call_id=request.call_id, session_id=request.session_id)
            )
            return offer_frame(request.call_id, request.session_id, offer, request.request_id)
        if isinstance(request, Ice):
            await signalling.AddIceCandidate(
                signalling_pb2.AddIceCandidateRequest(
                    call_id=request.call_id,
                    session_id=request.session_id,
                    role=ROLES[request.role],
                    candidate=mpb.IceCandidate(
                        candidate=request.candidate,
                        sdp_mid=request.sdp_mid,
                        sdp_mline_index=request.sdp_mline_index,
                    ),
                )
            )
        elif isinstance(request, Visible):
            await signalling.SetVisibleSessions(
                signalling_pb2.SetVisibleSessionsRequest(
                    call_id=request.call_id,
                    session_id=request.session_id,
                    visible_session_ids=list(request.sessions),
                )
            )
        return ok_frame(request.request_id) if request.request_id else None
