"""Calls as the contract shows them (parta.media.v1): a call with its participants, a participant."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row

from parta.media.v1 import media_pb2
from services.common.convert import to_timestamp

SOURCE_NAMES = {
    media_pb2.TRACK_SOURCE_MICROPHONE: "microphone",
    media_pb2.TRACK_SOURCE_CAMERA: "camera",
    media_pb2.TRACK_SOURCE_SCREEN: "screen",
}
SOURCE_VALUES = {name: value for value, name in SOURCE_NAMES.items()}
LEFT_REASONS = {
    "left": media_pb2.LEFT_REASON_LEFT,
    "removed": media_pb2.LEFT_REASON_REMOVED,
    "call_ended": media_pb2.LEFT_REASON_CALL_ENDED,
    "access_lost": media_pb2.LEFT_REASON_ACCESS_LOST,
    "disconnected": media_pb2.LEFT_REASON_DISCONNECTED,
}


def chat_of(call: Row[Any]) -> str:
    """The chat a call is held in; empty for a broadcast's call (decision 010)."""
    return "" if call.kind == "broadcast" else str(call.chat_id)


def broadcast_of(call: Row[Any]) -> str:
    """The broadcast a call is (R-MEDIA-2); empty for a call in a chat."""
    return str(call.chat_id) if call.kind == "broadcast" else ""


def participant_pb(session: Row[Any]) -> media_pb2.Participant:
    return media_pb2.Participant(
        call_id=str(session.call_id),
        user_id=str(session.user_id),
        session_id=str(session.id),
        state=media_pb2.MediaState(
            mic=session.mic, camera=session.camera, screen=session.screen, hand_raised=session.hand_raised
        ),
        may_publish=session.may_publish,
        joined_at=to_timestamp(session.joined_at),
    )


def call_pb(
    call: Row[Any], sessions: Sequence[Row[Any]], *, may_publish: bool, may_moderate: bool
) -> media_pb2.Call:
    return media_pb2.Call(
        id=str(call.id),
        organisation_id=str(call.organisation_id),
        chat_id=chat_of(call),
        broadcast_id=broadcast_of(call),
        started_by=str(call.started_by),
        started_at=to_timestamp(call.started_at),
        ended_at=to_timestamp(call.ended_at),
        participants=[participant_pb(session) for session in sessions],
        may_publish=may_publish,
        may_moderate=may_moderate,
    )
