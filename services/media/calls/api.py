"""The media service's gRPC service `parta.media.v1.Calls`: reads the request, asks
`participation.Calls`, shapes the reply."""

from __future__ import annotations

from typing import Any, TypeAlias

from parta.media.v1 import calls_pb2, calls_pb2_grpc, media_pb2
from services.common.auth import current_principal
from services.media.calls.convert import SOURCE_NAMES, call_pb, participant_pb
from services.media.calls.ice import IceServer
from services.media.calls.participation import Calls, CallView, Joined
from services.media.calls.rules import StateChange

Context: TypeAlias = Any  # grpc.aio.ServicerContext (grpcio ships no type hints)

SERVICE_NAME = "parta.media.v1.Calls"


def view_pb(view: CallView) -> media_pb2.Call:
    return call_pb(view.call, view.sessions, may_publish=view.may_publish, may_moderate=view.may_moderate)


def ice_server_pb(server: IceServer) -> media_pb2.IceServer:
    return media_pb2.IceServer(urls=list(server.urls), username=server.username, credential=server.credential)


def optional(request: Any, field: str) -> bool | None:
    return bool(getattr(request, field)) if request.HasField(field) else None


def join_pb(joined: Joined) -> calls_pb2.JoinCallResponse:
    """A join's reply (a chat's call here; a broadcast's through main.py's wiring, decision 010)."""
    return calls_pb2.JoinCallResponse(
        call=view_pb(joined.view),
        me=participant_pb(joined.me),
        ice_servers=[ice_server_pb(server) for server in joined.ice_servers],
        started=joined.started,
    )


class CallsApi(calls_pb2_grpc.CallsServicer):
    def __init__(self, calls: Calls) -> None:
        self._calls = calls

    async def JoinCall(
        self, request: calls_pb2.JoinCallRequest, context: Context
    ) -> calls_pb2.JoinCallResponse:
        return join_pb(await self._calls.join(current_principal(), request.chat_id))

    async def LeaveCall(
        self, request: calls_pb2.SessionRequest, context: Context
    ) -> calls_pb2.LeaveCallResponse:
        ended = await self._calls.leave(current_principal(), request.call_id, request.session_id)
        return calls_pb2.LeaveCallResponse(call_ended=ended)

    async def GetChatCall(self, request: calls_pb2.GetChatCallRequest, context: Context) -> media_pb2.Call:
        return view_pb(await self._calls.in_chat(current_principal(), request.chat_id))

    async def UpdateMyState(
        self, request: calls_pb2.UpdateMyStateRequest, context: Context
    ) -> media_pb2.Participant:
        change = StateChange(
            mic=optional(request, "mic"),
            camera=optional(request, "camera"),
            screen=optional(request, "screen"),
            hand_raised=optional(request, "hand_raised"),
        )
        session = await self._calls.update_state(
            current_principal(), request.call_id, request.session_id, change
        )
        return participant_pb(session)

    async def MuteParticipant(
        self, request: calls_pb2.MuteParticipantRequest, context: Context
    ) -> media_pb2.Call:
        source = SOURCE_NAMES.get(request.source, "")
        return view_pb(await self._calls.mute(current_principal(), request.call_id, request.user_id, source))

    async def RemoveParticipant(
        self, request: calls_pb2.RemoveParticipantRequest, context: Context
    ) -> media_pb2.Call:
        return view_pb(await self._calls.remove(current_principal(), request.call_id, request.user_id))
