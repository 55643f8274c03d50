"""The live channel's protocol (JSON text frames on `/api/v1/ws`) and the pure piece that keeps one
chat's delivery on one socket gapless and duplicate-free.

Client → server:
  {"type": "auth", "token": "<access token>"}          first frame; again later with a refreshed token
  {"type": "subscribe", "chats": {"<chat_id>": <last_seq_seen>, ...}}   0: from the start
  {"type": "unsubscribe", "chats": ["<chat_id>", ...]}
  {"type": "ping"}
  Calls (R-MEDIA-1; frames read and written in calls.py, passed to media's Signalling by signalling.py
  with the socket's token, in the order they came; the session comes from POST /chats/{id}/call):
  {"type": "call.negotiate", "id": "<request id>", "call_id", "session_id", "role": "publisher"|"subscriber",
   "description": {"type": "offer"|"answer", "sdp"}, "tracks": [{"mid", "kind": "audio"|"video",
   "source": "microphone"|"camera"|"screen"}]}   a publisher offers (→ call.answer), a subscriber
      answers the SFU's offer (→ call.ok); a publisher offer for a session that has a publisher peer
      replaces it (a reconnect: aiortc has no ICE restart)
  {"type": "call.subscribe", "id", "call_id", "session_id"}   → call.offer with that id
  {"type": "call.ice", "id"?, "call_id", "session_id", "role", "candidate": {"candidate", "sdp_mid",
   "sdp_mline_index"}}   trickle ICE; "candidate": "" ends the candidates (→ call.ok when it has an id)
  {"type": "call.visible", "id"?, "call_id", "session_id", "sessions": ["<session id>", ...]}   the tiles
      shown: others' video is paused for this session (→ call.ok when it has an id)
Server → client:
  {"type": "ready", "user_id": "..."}
  {"type": "message" | "message_edited" | "message_deleted", "chat_id": "...", "message": {...}}
  {"type": "poll_updated", "chat_id": "...", "message": {...}}   new counts; "my_choices" is empty
  {"type": "removed", "chat_id": "..."}                  no longer a member: no more from that chat
  {"type": "member_joined", "chat_id": "...", "user_id": "..."}   someone joined the chat
  {"type": "read", "chat_id": "...", "last_read_seq": N}   my own read mark moved (another device)
  {"type": "notice", "kind": "...", "organisation_id": "...", "id": "...", "text": "..."}   something
      for me personally (a decision, an answer, a new request to decide; see users.py), no chat_id
  {"type": "pong"}
  {"type": "error", "code": "...", "message": "...", "chat_id"?: "...", "id"?: "...", "rule"?: "..."}
      "id": the call request refused (e.g. "rule": "R-MEDIA-3"); a bad frame never closes the socket
  Calls: answers to the requests above —
  {"type": "call.answer", "id", "call_id", "session_id", "description": {"type": "answer", "sdp"}}
  {"type": "call.ok", "id"}
  {"type": "call.offer", "id"?, "call_id", "session_id", "description": {"type": "offer", "sdp"},
   "tracks": [{"mid", "kind", "source", "user_id", "session_id", "muted"}]}   asked for (with "id") or
      the SFU's re-offer when tracks come and go (no "id"): answer it with call.negotiate (subscriber)
  and, for every socket of the person (media's LiveCallEvent on parta.live.media.<user_id>, media.py;
  "session_id" is the device it is for, empty: every device of the person in that call):
  {"type": "call.participants", "call_id", "session_id", "participants": [Participant as in the API]}
  {"type": "call.speaker", "call_id", "session_id", "speaker": {"user_id", "session_id"}}
  {"type": "call.muted", "call_id", "session_id", "source", "by_user_id"}   a moderator turned it off
  {"type": "call.closed", "call_id", "session_id",
   "reason": "left"|"removed"|"call_ended"|"access_lost"|"disconnected"}
  and for the chats followed (messaging's CALL_CHANGED):
  {"type": "chat_call", "chat_id", "call": {"id", "started_at", "participant_count"}}   a call in progress
  {"type": "chat_call", "chat_id"}                        no "call": it ended
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from parta.messaging.v1 import messaging_pb2 as pb
from services.gateway.live.calls import CallFrameError, CallRequest, parse_call_frame
from services.gateway.views import message_out

# WebSocket close codes (4000-4999 are the application's).
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_GOING_AWAY = 1001
CLOSE_TOO_SLOW = 1013

# What messaging's live events tell (the contract's LiveEventKind) → the frame a client gets.
MESSAGE_POSTED = pb.LIVE_EVENT_KIND_MESSAGE_POSTED
MESSAGE_EDITED = pb.LIVE_EVENT_KIND_MESSAGE_EDITED
MESSAGE_DELETED = pb.LIVE_EVENT_KIND_MESSAGE_DELETED
MEMBER_REMOVED = pb.LIVE_EVENT_KIND_MEMBER_REMOVED
MEMBER_JOINED = pb.LIVE_EVENT_KIND_MEMBER_JOINED
READ = pb.LIVE_EVENT_KIND_READ
POLL_UPDATED = pb.LIVE_EVENT_KIND_POLL_UPDATED
CALL_CHANGED = pb.LIVE_EVENT_KIND_CALL_CHANGED
FRAME_FOR_EVENT = {
    MESSAGE_POSTED: "message",
    MESSAGE_EDITED: "message_edited",
    MESSAGE_DELETED: "message_deleted",
    POLL_UPDATED: "poll_updated",
}

MAX_CHATS_PER_FRAME = 500
MAX_ID_LENGTH = 64


class ProtocolError(ValueError):
    """A malformed client frame: answered with an `invalid_argument` error, the socket stays open;
    `request_id`: the "id" of a call request, which the error frame names."""

    def __init__(self, message: str, request_id: str = "") -> None:
        super().__init__(message)
        self.request_id = request_id


@dataclass(frozen=True)
class Auth:
    token: str


@dataclass(frozen=True)
class Subscribe:
    chats: dict[str, int]


@dataclass(frozen=True)
class Unsubscribe:
    chats: list[str]


@dataclass(frozen=True)
class Ping:
    pass


ClientFrame = Auth | Subscribe | Unsubscribe | Ping | CallRequest


def _chat_id(value: Any) -> str:
    if not isinstance(value, str) or not value or len(value) > MAX_ID_LENGTH:
        raise ProtocolError("chat id must be a non-empty string")
    return value


def parse_frame(text: str) -> ClientFrame:
    """A client's text frame → what it asks; ProtocolError for anything else."""
    try:
        data = json.loads(text)
    except ValueError:
        raise ProtocolError("frame is not JSON") from None
    if not isinstance(data, dict):
        raise ProtocolError("frame must be a JSON object")
    kind = data.get("type")
    if kind == "auth":
        token = data.get("token")
        if not isinstance(token, str) or not token:
            raise ProtocolError("auth needs a token")
        return Auth(token)
    if kind == "subscribe":
        chats = data.get("chats")
        if not isinstance(chats, dict) or len(chats) > MAX_CHATS_PER_FRAME:
            raise ProtocolError(
                f"subscribe needs chats: {{chat_id: last_seq}}, at most {MAX_CHATS_PER_FRAME}"
            )
        wanted: dict[str, int] = {}
        for chat_id, last_seq in chats.items():
            if isinstance(last_seq, bool) or not isinstance(last_seq, int) or last_seq < 0:
                raise ProtocolError("last_seq must be a whole number, 0 or more")
            wanted[_chat_id(chat_id)] = last_seq
        return Subscribe(wanted)
    if kind == "unsubscribe":
        ids = data.get("chats")
        if not isinstance(ids, list) or len(ids) > MAX_CHATS_PER_FRAME:
            raise ProtocolError(f"unsubscribe needs chats: [chat_id], at most {MAX_CHATS_PER_FRAME}")
        return Unsubscribe([_chat_id(chat_id) for chat_id in ids])
    if kind == "ping":
        return Ping()
    if isinstance(kind, str) and kind.startswith("call."):
        try:
            return parse_call_frame(kind, data)
        except CallFrameError as error:
            raise ProtocolError(str(error), error.request_id) from None
    raise ProtocolError(f"unknown frame type: {str(kind)[:40]!r}")


def encode(frame: dict[str, Any]) -> str:
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"))


def ready_frame(user_id: str) -> str:
    return encode({"type": "ready", "user_id": user_id})


def pong_frame() -> str:
    return encode({"type": "pong"})


def removed_frame(chat_id: str) -> str:
    return encode({"type": "removed", "chat_id": chat_id})


def member_joined_frame(chat_id: str, user_id: str) -> str:
    return encode({"type": "member_joined", "chat_id": chat_id, "user_id": user_id})


def read_frame(chat_id: str, last_read_seq: int) -> str:
    return encode({"type": "read", "chat_id": chat_id, "last_read_seq": last_read_seq})


NOTICE_FIELDS = ("kind", "organisation_id", "id", "text")
MAX_NOTICE_FIELD = 2000


def notice_frame(raw: bytes) -> str | None:
    """A notice published for one person (JSON with string fields) as the frame sent to their
    sockets, only the known fields; None if it is not one."""
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("type") != "notice":
        return None
    frame: dict[str, Any] = {"type": "notice"}
    for name in NOTICE_FIELDS:
        value = data.get(name, "")
        if not isinstance(value, str) or len(value) > MAX_NOTICE_FIELD:
            return None
        frame[name] = value
    return encode(frame) if frame["kind"] and frame["text"] else None


def error_frame(
    code: str, message: str, chat_id: str | None = None, *, request_id: str = "", rule: str = ""
) -> str:
    frame: dict[str, Any] = {"type": "error", "code": code, "message": message}
    if chat_id is not None:
        frame["chat_id"] = chat_id
    if request_id:
        frame["id"] = request_id
    if rule:
        frame["rule"] = rule
    return encode(frame)


def message_frame(frame_type: str, message: pb.ChatMessage) -> str:
    """The message in the REST API's shape (MessageOut). One live event goes to every socket that
    follows the chat, so the encoding is done once per event and remembered briefly: by the message
    object itself while the hub hands that one object to each socket (no work per socket), then by
    its bytes (a history page re-reading the same message)."""
    key = (id(message), frame_type)
    held = _RECENT_FRAMES.get(key)
    if held is not None and held[0] is message:
        return held[1]
    frame = _message_frame(frame_type, message.SerializeToString(deterministic=True))
    _RECENT_FRAMES[key] = (message, frame)  # the message is held, so its id is not reused meanwhile
    if len(_RECENT_FRAMES) > _RECENT_FRAMES_KEPT:
        del _RECENT_FRAMES[next(iter(_RECENT_FRAMES))]
    return frame


_RECENT_FRAMES: dict[tuple[int, str], tuple[pb.ChatMessage, str]] = {}
_RECENT_FRAMES_KEPT = 64


@lru_cache(maxsize=2048)
def _message_frame(frame_type: str, raw: bytes) -> str:
    message = pb.ChatMessage.FromString(raw)
    return encode(
        {
            "type": frame_type,
            "chat_id": message.chat_id,
            "message": message_out(message).model_dump(mode="json"),
        }
    )


@dataclass
class ChatCursor:
    """One chat on one socket: what was sent last, and the live events held back while history is
    being sent. Pure: no I/O; the session feeds it and sends what it returns, in order.

    Sequence numbers of a chat have no gaps (a tombstone keeps a deleted message's number), so:
    a new message with seq ≤ `last_seq` was sent already (dropped); seq = last_seq + 1 is the next
    one (sent); anything further ahead means something is missing (a NATS hiccup, or two messaging
    instances publishing out of order): the cursor holds it and asks for history again (`gap`).
    Edits and deletes apply to messages the client has (seq ≤ last_seq); one of a message not yet
    sent waits for the history like a gap."""

    last_seq: int
    catching_up: bool = True
    held: list[pb.LiveChatEvent] = field(default_factory=list)
    # Live events ahead of the next sequence number: usually a neighbour published a moment later
    # (two sends to one chat may reach NATS in either order), so they wait briefly to be reordered.
    ahead: list[pb.LiveChatEvent] = field(default_factory=list)

    def offer(self, event: pb.LiveChatEvent) -> tuple[list[tuple[str, pb.ChatMessage]], bool]:
        """A live event arrived: what to send now (in sequence order), and whether something is
        still missing — then the session waits a moment and, if it stays missing, reads history."""
        if self.catching_up:
            self.held.append(event)
            return [], False
        out: list[tuple[str, pb.ChatMessage]] = []
        waiting = []
        for pending in sorted([*self.ahead, event], key=lambda e: e.message.seq):
            if not self._apply(pending, out):
                waiting.append(pending)
        self.ahead = waiting
        return out, bool(waiting)

    def still_missing(self) -> bool:
        return bool(self.ahead) and not self.catching_up

    def start_refill(self) -> None:
        """The wait is over and something is still missing: hold everything, read history."""
        self.catching_up = True
        self.held.extend(self.ahead)
        self.ahead = []

    def history(self, messages: list[pb.ChatMessage]) -> list[tuple[str, pb.ChatMessage]]:
        """A page of history (ascending): the messages not sent yet."""
        out = []
        for message in messages:
            if message.seq > self.last_seq:
                out.append((FRAME_FOR_EVENT[MESSAGE_POSTED], message))
                self.last_seq = message.seq
        return out

    def caught_up(self) -> tuple[list[tuple[str, pb.ChatMessage]], bool]:
        """History is read to its end: the held live events that still matter, in order, and whether
        one of them shows a gap (then the cursor stays catching up; read history again)."""
        out: list[tuple[str, pb.ChatMessage]] = []
        held, self.held = self.held, []
        for index, event in enumerate(held):
            if not self._apply(event, out):
                self.held = held[index:]
                return out, True
        self.catching_up = False
        return out, False

    def give_up(self) -> None:
        """History never closed the gap (it should not happen): stop holding, go on live."""
        self.held = []
        self.catching_up = False

    def _apply(self, event: pb.LiveChatEvent, out: list[tuple[str, pb.ChatMessage]]) -> bool:
        """Send or drop one event; False when it is ahead of what was sent (a gap)."""
        frame_type = FRAME_FOR_EVENT.get(event.kind)
        if frame_type is None or not event.HasField("message"):
            return True  # nothing a client is shown
        seq = event.message.seq
        if event.kind == MESSAGE_POSTED:
            if seq <= self.last_seq:
                return True
            if seq != self.last_seq + 1:
                return False
            self.last_seq = seq
        elif seq > self.last_seq:
            return False
        out.append((frame_type, event.message))
        return True
