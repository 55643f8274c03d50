"""Calls in chats: /api/v1/chats/{chat_id}/call and /api/v1/calls/… (R-MEDIA-1, R-MEDIA-3), each
route one call of media's `Calls` with the caller's token; who may join, publish and moderate is
media's to decide. The WebRTC signalling of a call goes over the live WebSocket (live/calls.py)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from parta.media.v1 import calls_pb2
from services.gateway.deps import BackendsDep
from services.gateway.views import (
    SOURCE_VALUES,
    CallOut,
    ParticipantOut,
    SourceName,
    call_out,
    participant_out,
)


class IceServerOut(BaseModel):
    """A STUN/TURN server for the client's RTCPeerConnection (TURN credentials are time-limited)."""

    urls: list[str]
    username: str
    credential: str


class JoinOut(BaseModel):
    call: CallOut
    me: ParticipantOut = Field(description="my new session (one per device); its id goes with every signal")
    ice_servers: list[IceServerOut]
    started: bool = Field(description="true when this join started the call")


class LeaveOut(BaseModel):
    call_ended: bool = Field(description="true when I was the last one and the call is over")


class StateIn(BaseModel):
    """What I send and show; only the fields given change."""

    model_config = ConfigDict(extra="forbid")

    mic: bool | None = None
    camera: bool | None = None
    screen: bool | None = None
    hand_raised: bool | None = None


class MuteIn(BaseModel):
    """Which of the participant's sources a moderator turns off."""

    model_config = ConfigDict(extra="forbid")

    source: SourceName


router = APIRouter(tags=["calls"])
CHAT_CALL = "/api/v1/chats/{chat_id}/call"
CALLS = "/api/v1/calls/{call_id}"


@router.post(
    CHAT_CALL,
    summary="Join the chat's call, starting it when there is none (R-MEDIA-1); members only (R-MEDIA-3)",
)
async def join_call(chat_id: str, backends: BackendsDep) -> JoinOut:
    reply = await backends.calls.JoinCall(calls_pb2.JoinCallRequest(chat_id=chat_id))
    return JoinOut(
        call=call_out(reply.call),
        me=participant_out(reply.me),
        ice_servers=[
            IceServerOut(urls=list(s.urls), username=s.username, credential=s.credential)
            for s in reply.ice_servers
        ],
        started=reply.started,
    )


@router.get(CHAT_CALL, summary="The chat's call in progress; 404 when there is none (R-MEDIA-3)")
async def chat_call(chat_id: str, backends: BackendsDep) -> CallOut:
    return call_out(await backends.calls.GetChatCall(calls_pb2.GetChatCallRequest(chat_id=chat_id)))


@router.post(
    CALLS + "/sessions/{session_id}/leave", summary="Leave the call (this device); the last one out ends it"
)
async def leave_call(call_id: str, session_id: str, backends: BackendsDep) -> LeaveOut:
    reply = await backends.calls.LeaveCall(calls_pb2.SessionRequest(call_id=call_id, session_id=session_id))
    return LeaveOut(call_ended=reply.call_ended)


@router.patch(CALLS + "/sessions/{session_id}", summary="My mic, camera, screen share or raised hand")
async def update_my_state(
    call_id: str, session_id: str, body: StateIn, backends: BackendsDep
) -> ParticipantOut:
    reply = await backends.calls.UpdateMyState(
        calls_pb2.UpdateMyStateRequest(
            call_id=call_id, session_id=session_id, **body.model_dump(exclude_none=True)
        )
    )
    return participant_out(reply)


@router.post(
    CALLS + "/participants/{user_id}/mute",
    summary="A moderator turns someone's microphone, camera or screen off (every device of theirs)",
)
async def mute_participant(call_id: str, user_id: str, body: MuteIn, backends: BackendsDep) -> CallOut:
    reply = await backends.calls.MuteParticipant(
        calls_pb2.MuteParticipantRequest(call_id=call_id, user_id=user_id, source=SOURCE_VALUES[body.source])
    )
    return call_out(reply)


@router.delete(
    CALLS + "/participants/{user_id}", summary="A moderator removes someone from the call (every device)"
)
async def remove_participant(call_id: str, user_id: str, backends: BackendsDep) -> CallOut:
    reply = await backends.calls.RemoveParticipant(
        calls_pb2.RemoveParticipantRequest(call_id=call_id, user_id=user_id)
    )
    return call_out(reply)
