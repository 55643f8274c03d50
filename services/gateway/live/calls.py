"""The call frames of the live channel (documented with the others in protocol.py): the client's
`call.*` signalling requests, read and checked into plain values, and the frames the server sends —
the answers to those requests, media's `LiveCallEvent`s of one person (`call.offer`,
`call.participants`, `call.speaker`, `call.muted`, `call.closed`) and messaging's `CALL_CHANGED`
chat event (`chat_call`). Pure: no I/O."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from google.protobuf.message import DecodeError

from parta.media.v1 import media_pb2 as mpb
from parta.messaging.v1 import messaging_pb2 as pb
from services.gateway.views import SOURCE_VALUES, participant_out, source_name, timestamp

MAX_ID_LENGTH = 64
# An SDP of a call with many tracks stays far below this; a bigger one is not a browser's.
MAX_SDP_LENGTH = 100_000
MAX_CANDIDATE_LENGTH = 1_000
MAX_TRACKS = 16
MAX_VISIBLE = 100

ROLES: dict[str, mpb.PeerRole.ValueType] = {
    "publisher": mpb.PEER_ROLE_PUBLISHER,
    "subscriber": mpb.PEER_ROLE_SUBSCRIBER,
}
# What a client offers (publisher) or answers (subscriber): its SDP's type.
DESCRIPTION_FOR_ROLE = {"publisher": "offer", "subscriber": "answer"}
KINDS = ("audio", "video")
REASONS: dict[int, str] = {
    mpb.LEFT_REASON_LEFT: "left",
    mpb.LEFT_REASON_REMOVED: "removed",
    mpb.LEFT_REASON_CALL_ENDED: "call_ended",
    mpb.LEFT_REASON_ACCESS_LOST: "access_lost",
    mpb.LEFT_REASON_DISCONNECTED: "disconnected",
}


class CallFrameError(ValueError):
    """A malformed `call.*` frame; `request_id` is its "id" when it had a readable one."""

    def __init__(self, message: str, request_id: str = "") -> None:
        super().__init__(message)
        self.request_id = request_id


# --- what a client asks ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Track:
    mid: str
    kind: str
    source: mpb.TrackSource.ValueType


@dataclass(frozen=True)
class Negotiate:
    """The publisher's offer (answered with `call.answer`) or the answer to the SFU's subscriber
    offer (answered with `call.ok`)."""

    request_id: str
    call_id: str
    session_id: str
    role: str
    description_type: str
    sdp: str
    tracks: tuple[Track, ...]


@dataclass(frozen=True)
class SubscribeCall:
    """A (new) subscriber offer, answered with `call.offer`."""

    request_id: str
    call_id: str
    session_id: str


@dataclass(frozen=True)
class Ice:
    """A trickled ICE candidate; an empty candidate ends them."""

    request_id: str
    call_id: str
    session_id: str
    role: str
    candidate: str
    sdp_mid: str
    sdp_mline_index: int


@dataclass(frozen=True)
class Visible:
    """The other sessions whose video the client shows."""

    request_id: str
    call_id: str
    session_id: str
    sessions: tuple[str, ...]


CallRequest = Negotiate | SubscribeCall | Ice | Visible
CALL_REQUESTS = (Negotiate, SubscribeCall, Ice, Visible)
CALL_FRAME_TYPES = ("call.negotiate", "call.subscribe", "call.ice", "call.visible")


def _text(data: dict[str, Any], name: str, *, limit: int = MAX_ID_LENGTH, required: bool = True) -> str:
    value = data.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or len(value) > limit or (required and not value):
        raise ValueError(f"{name} must be a non-empty string of at most {limit} characters")
    return value


def _role(data: dict[str, Any]) -> str:
    role = data.get("role")
    if role not in ROLES:
        raise ValueError('role must be "publisher" or "subscriber"')
    return str(role)


def _tracks(value: Any) -> tuple[Track, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or len(value) > MAX_TRACKS:
        raise ValueError(f"tracks must be a list of at most {MAX_TRACKS}")
    tracks = []
    for item in value:
        if not isinstance(item, dict):
            raise ValueError("a track must be an object {mid, kind, source}")
        kind = item.get("kind")
        if kind not in KINDS:
            raise ValueError('a track\'s kind must be "audio" or "video"')
        source = item.get("source")
        if source not in SOURCE_VALUES:
            raise ValueError('a track\'s source must be "microphone", "camera" or "screen"')
        tracks.append(Track(_text(item, "mid", limit=32), str(kind), SOURCE_VALUES[str(source)]))
    return tuple(tracks)


def parse_call_frame(kind: str, data: dict[str, Any]) -> CallRequest:
    """A client's `call.*` frame (JSON already read) → what it asks; CallFrameError otherwise."""
    raw_id = data.get("id")
    request_id = raw_id if isinstance(raw_id, str) and 0 < len(raw_id) <= MAX_ID_LENGTH else ""
    try:
        if kind in ("call.negotiate", "call.subscribe"):
            # Requests that are answered: the answer carries their id.
            _text(data, "id")
        call_id, session_id = _text(data, "call_id"), _text(data, "session_id")
        if kind == "call.negotiate":
            role = _role(data)
            description = data.get("description")
            if not isinstance(description, dict):
                raise ValueError("description must be an object {type, sdp}")
            wanted = DESCRIPTION_FOR_ROLE[role]
            if description.get("type") != wanted:
                raise ValueError(f'a {role} sends an "{wanted}"')
            sdp = _text(description, "sdp", limit=MAX_SDP_LENGTH)
            tracks = _tracks(data.get("tracks"))
            return Negotiate(request_id, call_id, session_id, role, wanted, sdp, tracks)
        if kind == "call.subscribe":
            return SubscribeCall(request_id, call_id, session_id)
        if kind == "call.ice":
            role = _role(data)
            candidate = data.get("candidate")
            if not isinstance(candidate, dict):
                raise ValueError("candidate must be an object {candidate, sdp_mid, sdp_mline_index}")
            index = candidate.get("sdp_mline_index")
            if index is None:
                index = 0
            if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < 1024:
                raise ValueError("sdp_mline_index must be a whole number, 0 or more")
            return Ice(
                request_id,
                call_id,
                session_id,
                role,
                _text(candidate, "candidate", limit=MAX_CANDIDATE_LENGTH, required=False),
                _text(candidate, "sdp_mid", limit=32, required=False),
                index,
            )
        if kind == "call.visible":
            sessions = data.get("sessions")
            if not isinstance(sessions, list) or len(sessions) > MAX_VISIBLE:
                raise ValueError(f"sessions must be a list of at most {MAX_VISIBLE} session ids")
            for session in sessions:
                if not isinstance(session, str) or not session or len(session) > MAX_ID_LENGTH:
                    raise ValueError("a session id must be a non-empty string")
            return Visible(request_id, call_id, session_id, tuple(sessions))
    except ValueError as error:
        raise CallFrameError(f"{kind}: {error}", request_id) from None
    raise CallFrameError(f"unknown frame type: {kind[:40]!r}", request_id)


# --- what the server sends ------------------------------------------------------------------------
def encode(frame: dict[str, Any]) -> str:
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"))


def answer_frame(request: Negotiate, answer: mpb.SessionDescription) -> str:
    """The SFU's answer to a publisher offer."""
    return encode(
        {
            "type": "call.answer",
            "id": request.request_id,
            "call_id": request.call_id,
            "session_id": request.session_id,
            "description": {"type": answer.type or "answer", "sdp": answer.sdp},
        }
    )


def ok_frame(request_id: str) -> str:
    return encode({"type": "call.ok", "id": request_id})


def _track(track: mpb.TrackInfo) -> dict[str, Any]:
    source = source_name(track.source) or ("microphone" if track.kind == "audio" else "camera")
    return {
        "mid": track.mid,
        "kind": track.kind,
        "source": source,
        "user_id": track.user_id,
        "session_id": track.session_id,
        "muted": track.muted,
    }


def offer_frame(call_id: str, session_id: str, offer: mpb.SubscriberOffer, request_id: str = "") -> str:
    """A subscriber offer: asked for (`call.subscribe`, with its id) or the SFU's re-offer (no id)."""
    frame: dict[str, Any] = {"type": "call.offer"}
    if request_id:
        frame["id"] = request_id
    frame.update(
        {
            "call_id": call_id,
            "session_id": session_id,
            "description": {"type": offer.description.type or "offer", "sdp": offer.description.sdp},
            "tracks": [_track(track) for track in offer.tracks],
        }
    )
    return encode(frame)


def call_event_frame(raw: bytes) -> str | None:
    """A `LiveCallEvent` published for one person → the frame their sockets get; None when it is
    not one (or tells nothing a client knows)."""
    try:
        event = mpb.LiveCallEvent.FromString(raw)
    except DecodeError:
        return None
    which = event.WhichOneof("event")
    base = {"call_id": event.call_id, "session_id": event.session_id}
    if which == "subscriber_offer":
        return offer_frame(event.call_id, event.session_id, event.subscriber_offer)
    if which == "participants":
        participants = [participant_out(p).model_dump(mode="json") for p in event.participants.participants]
        return encode({"type": "call.participants", **base, "participants": participants})
    if which == "active_speaker":
        speaker = {"user_id": event.active_speaker.user_id, "session_id": event.active_speaker.session_id}
        return encode({"type": "call.speaker", **base, "speaker": speaker})
    if which == "muted":
        source = source_name(event.muted.source)
        if source is None:
            return None
        return encode({"type": "call.muted", **base, "source": source, "by_user_id": event.muted.by_user_id})
    if which == "closed":
        reason = REASONS.get(event.closed.reason, "left")
        return encode({"type": "call.closed", **base, "reason": reason})
    return None


def chat_call_frame(event: pb.LiveChatEvent) -> str:
    """Messaging's `CALL_CHANGED`: the chat's call in progress, or no "call" key once it ended."""
    frame: dict[str, Any] = {"type": "chat_call", "chat_id": event.chat_id}
    if event.HasField("call"):
        frame["call"] = {
            "id": event.call.id,
            "started_at": timestamp(event.call.started_at),
            "participant_count": event.call.participant_count,
        }
    return encode(frame)
