"""`GET /api/v1/ws`: one WebSocket per client carrying its chats' new, edited and deleted messages,
resumable from the last sequence seen (protocol in `protocol.py`), the person's notices and calls,
and the signalling of their calls (`signalling.py`).

Each socket is a `LiveSession`: it reads frames, and everything it sends goes through one queue
drained by one writer, so the order decided by the chat cursors is the order on the wire. A
subscription is authorised by messaging itself: the gateway reads the history on the user's behalf
(their own token), and a refusal is answered per chat. Messaging's `member.removed` drops the
person's subscription at once on every gateway."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Coroutine
from dataclasses import dataclass
from functools import cache
from typing import Any

import grpc
from fastapi import APIRouter, WebSocket
from prometheus_client import Counter, Gauge
from starlette.websockets import WebSocketState

from parta.messaging.v1 import chats_pb2
from parta.messaging.v1 import messaging_pb2 as pb
from services.common.auth import Principal, TokenVerifier
from services.common.errors import Unauthenticated
from services.common.grpcserver import CLIENT_ADDRESS_KEY, REQUEST_ID_KEY, USER_AGENT_KEY
from services.common.logging import get_logger
from services.gateway.clients import Backends, ServiceClients, client_address
from services.gateway.config import GatewaySettings
from services.gateway.errors import HTTP_FOR_STATUS
from services.gateway.live.calls import CALL_REQUESTS, chat_call_frame
from services.gateway.live.hub import LiveHub
from services.gateway.live.media import CallChannels
from services.gateway.live.protocol import (
    CALL_CHANGED,
    CLOSE_FORBIDDEN,
    CLOSE_GOING_AWAY,
    CLOSE_TOO_SLOW,
    CLOSE_UNAUTHENTICATED,
    MEMBER_JOINED,
    MEMBER_REMOVED,
    READ,
    Auth,
    ChatCursor,
    Ping,
    ProtocolError,
    Subscribe,
    Unsubscribe,
    error_frame,
    member_joined_frame,
    message_frame,
    parse_frame,
    pong_frame,
    read_frame,
    ready_frame,
    removed_frame,
)
from services.gateway.live.signalling import Signaller
from services.gateway.live.users import UserChannels

log = get_logger(__name__)

LIVE_CONNECTIONS = Gauge("parta_gateway_websocket_connections", "Open live WebSockets")
LIVE_DELIVERED = Counter(
    "parta_gateway_live_messages_delivered_total",
    "Message frames sent on live WebSockets (catch-up and live)",
    ["type"],
)


@cache
def _delivered(frame_type: str) -> Counter:
    """The counter's child for one frame type, looked up once (this runs for every frame)."""
    return LIVE_DELIVERED.labels(frame_type)


PAGE = 100  # history page size when catching up
CATCH_UP_ROUNDS = 5  # history re-reads to close a gap before giving up on it
# How long an event ahead of the next sequence number waits for the missing one (see ChatCursor).
REORDER_WAIT_SECONDS = 0.2
AUTH_TIMEOUT = 10.0  # seconds for the first frame
MAX_PENDING = 10_000  # frames queued for a client that does not read: then it is closed
TOKEN_LEEWAY = 5  # seconds past a token's expiry before the socket is closed

router = APIRouter()


@dataclass(frozen=True)
class _Close:
    code: int
    reason: str = ""


class LiveService:
    """The gateway process's live side: the hub, the token verifier, the open sessions."""

    def __init__(self, settings: GatewaySettings, clients: ServiceClients) -> None:
        self.settings = settings
        self.clients = clients
        self.hub = LiveHub(settings.nats_url)
        self.users = UserChannels(self.hub)
        self.calls = CallChannels(self.hub)
        self.verifier: TokenVerifier | None = None
        self.sessions: set[LiveSession] = set()
        self.accepting = False

    async def start(self, verifier: TokenVerifier) -> None:
        self.verifier = verifier
        await self.hub.open()
        self.accepting = True

    async def close_sockets(self, grace: float) -> None:
        """Close every socket with 1001 (going away) and wait for the sessions to end."""
        self.accepting = False
        sessions = list(self.sessions)
        for session in sessions:
            session.close(CLOSE_GOING_AWAY, "the gateway is stopping")
        if sessions:
            await asyncio.wait([asyncio.ensure_future(s.finished.wait()) for s in sessions], timeout=grace)

    async def stop(self) -> None:
        await self.hub.close()


class LiveSession:
    def __init__(self, websocket: WebSocket, service: LiveService) -> None:
        self.ws = websocket
        self.service = service
        self.principal: Principal | None = None
        self.cursors: dict[str, ChatCursor] = {}
        self._following: dict[str, asyncio.Task[None]] = {}
        self._background: set[asyncio.Task[None]] = set()
        self._outbox: asyncio.Queue[str | _Close] = asyncio.Queue()
        self._closing = False
        self._expiry: asyncio.Task[None] | None = None
        # The call.* requests of this socket, to media's Signalling in order (signalling.py).
        self._signaller = Signaller(self._backends, self.send)
        self.finished = asyncio.Event()

    # --- the socket's life ------------------------------------------------------------------------
    async def run(self) -> None:
        await self.ws.accept()
        LIVE_CONNECTIONS.inc()
        self.service.sessions.add(self)
        writer = asyncio.create_task(self._write(), name="live-writer")
        reader = asyncio.create_task(self._read(), name="live-reader")
        try:
            await asyncio.wait([reader, writer], return_when=asyncio.FIRST_COMPLETED)
        finally:
            self._closing = True
            for task in (reader, writer, self._expiry, *self._following.values(), *self._background):
                if task is not None:
                    task.cancel()
            for chat_id in list(self.cursors):
                await self.service.hub.unsubscribe(chat_id, self)
            await self._signaller.close()
            if self.principal is not None:
                await self.service.users.unfollow(self.principal.user_id, self)
                await self.service.calls.unfollow(self.principal.user_id, self)
            self.cursors.clear()
            self.service.sessions.discard(self)
            LIVE_CONNECTIONS.dec()
            self.finished.set()

    def close(self, code: int, reason: str = "") -> None:
        """Close after what is queued; nothing queued later goes out."""
        if not self._closing:
            self._closing = True
            self._outbox.put_nowait(_Close(code, reason))

    def send(self, text: str) -> None:
        if self._closing:
            return
        if self._outbox.qsize() >= MAX_PENDING:
            log.warning("live.client_too_slow", user_id=self.user_id)
            self.close(CLOSE_TOO_SLOW, "too slow")
            return
        self._outbox.put_nowait(text)

    def fail(self, code: str, message: str, close: int) -> None:
        self.send(error_frame(code, message))
        self.close(close, code)

    @property
    def user_id(self) -> str:
        return self.principal.user_id if self.principal else ""

    async def _write(self) -> None:
        while True:
            item = await self._outbox.get()
            if isinstance(item, _Close):
                if self.ws.application_state != WebSocketState.DISCONNECTED:
                    with contextlib.suppress(Exception):
                        await self.ws.close(item.code, item.reason)
                return
            try:
                await self.ws.send_text(item)
            except Exception:
                return  # the client is gone

    async def _read(self) -> None:
        first = True
        while True:
            try:
                if first:
                    message = await asyncio.wait_for(self.ws.receive(), timeout=AUTH_TIMEOUT)
                else:
                    message = await self.ws.receive()
            except TimeoutError:
                self.fail(
                    "unauthenticated", "Первым сообщением должен быть auth с токеном", CLOSE_UNAUTHENTICATED
                )
                return
            if message["type"] == "websocket.disconnect":
                return
            first = False
            text = message.get("text")
            if text is None:
                self.send(error_frame("invalid_argument", "Only JSON text frames are accepted"))
                continue
            try:
                frame = parse_frame(text)
            except ProtocolError as error:
                self.send(error_frame("invalid_argument", str(error), request_id=error.request_id))
                continue
            if isinstance(frame, Auth):
                await self._authenticate(frame.token)
            elif self.principal is None:
                self.fail("unauthenticated", "Сначала auth с токеном доступа", CLOSE_UNAUTHENTICATED)
            elif isinstance(frame, Subscribe):
                for chat_id, last_seq in frame.chats.items():
                    self._follow(chat_id, last_seq)
            elif isinstance(frame, Unsubscribe):
                for chat_id in frame.chats:
                    await self._unfollow(chat_id)
            elif isinstance(frame, Ping):
                self.send(pong_frame())
            elif isinstance(frame, CALL_REQUESTS):
                self._signaller.submit(frame)
            if self._closing:
                return

    # --- identity ---------------------------------------------------------------------------------
    async def _authenticate(self, token: str) -> None:
        verifier = self.service.verifier
        assert verifier is not None, "the live service is not started"
        try:
            principal = await verifier.verify(token)
        except Unauthenticated as error:
            self.fail("unauthenticated", str(error), CLOSE_UNAUTHENTICATED)
            return
        except Exception as error:
            log.warning("live.verify_failed", error=str(error) or type(error).__name__)
            self.fail("unavailable", "Не удалось проверить токен, попробуйте позже", CLOSE_UNAUTHENTICATED)
            return
        if self.principal is not None and principal.user_id != self.principal.user_id:
            self.fail(
                "permission_denied", "Токен другого пользователя: откройте новое соединение", CLOSE_FORBIDDEN
            )
            return
        first = self.principal is None
        self.principal = principal
        if first:
            await self._follow_personal(principal.user_id)
        if self._expiry is not None:
            self._expiry.cancel()
        self._expiry = asyncio.create_task(self._expire(principal), name="live-token-expiry")
        self.send(ready_frame(principal.user_id))

    async def _follow_personal(self, user_id: str) -> None:
        """The person's own notices (users.py) and calls (media.py) reach this socket from before
        `ready` on."""
        try:
            await self.service.users.follow(user_id, self)
        except Exception as error:  # chats still work; notices then go by SMS/e-mail
            log.warning("live.notices_follow_failed", error=str(error) or type(error).__name__)
        try:
            await self.service.calls.follow(user_id, self)
        except Exception as error:  # chats still work; a call page then misses its live frames
            log.warning("live.calls_follow_failed", error=str(error) or type(error).__name__)

    def on_personal(self, frame: str) -> bool:
        """From the person's channels: a notice or a call frame for them."""
        if self._closing:
            return False
        self.send(frame)
        return True

    async def _expire(self, principal: Principal) -> None:
        await asyncio.sleep(max(0.0, principal.expires_at + TOKEN_LEEWAY - time.time()))
        if self.principal is principal:
            self.fail(
                "unauthenticated", "Срок действия токена истёк: пришлите новый в auth", CLOSE_UNAUTHENTICATED
            )

    def _backends(self) -> Backends:
        """The services' stubs, calling on behalf of the signed-in person of this socket."""
        assert self.principal is not None
        return self.service.clients.bind(
            (
                (REQUEST_ID_KEY, uuid.uuid4().hex),
                (CLIENT_ADDRESS_KEY, client_address(self.ws, self.service.settings.trust_forwarded_for)),
                (USER_AGENT_KEY, self.ws.headers.get("user-agent", "")[:200]),
                ("authorization", f"Bearer {self.principal.token}"),
            )
        )

    # --- chats ------------------------------------------------------------------------------------
    def _follow(self, chat_id: str, last_seq: int) -> None:
        previous = self._following.pop(chat_id, None)
        if previous is not None:
            previous.cancel()
        cursor = ChatCursor(last_seq)
        self.cursors[chat_id] = cursor
        task = asyncio.create_task(self._start_following(chat_id, cursor), name="live-follow")
        self._following[chat_id] = task
        task.add_done_callback(lambda done: self._forget_task(chat_id, done))

    def _forget_task(self, chat_id: str, task: asyncio.Task[None]) -> None:
        if self._following.get(chat_id) is task:
            del self._following[chat_id]

    async def _start_following(self, chat_id: str, cursor: ChatCursor) -> None:
        try:
            # Subscribed before reading history: whatever is published from now on is held by the
            # cursor, so history and live meet with no gap.
            await self.service.hub.subscribe(chat_id, self)
            await self._catch_up(chat_id, cursor)
        except grpc.aio.AioRpcError as error:
            if self.cursors.get(chat_id) is cursor:
                await self._drop(chat_id)
            _, code = HTTP_FOR_STATUS.get(error.code(), (500, "internal"))
            self.send(error_frame(code, error.details() or error.code().name, chat_id))
        except Exception as error:
            log.warning("live.follow_failed", chat_id=chat_id, error=str(error) or type(error).__name__)
            if self.cursors.get(chat_id) is cursor:
                await self._drop(chat_id)
            self.send(error_frame("unavailable", "Не удалось подписаться на чат", chat_id))

    async def _history(self, chat_id: str, after: int) -> tuple[list[pb.ChatMessage], bool]:
        """A page of history after `after` (0: from the first message) and whether more may follow."""
        if after == 0:  # messaging reads "after 0" as "the newest": ask for the first page instead
            request = chats_pb2.ListMessagesRequest(chat_id=chat_id, before=PAGE + 1, limit=PAGE)
        else:
            request = chats_pb2.ListMessagesRequest(chat_id=chat_id, after=after, limit=PAGE)
        reply = await self._backends().chats.ListMessages(request)
        messages = list(reply.messages)
        return messages, (len(messages) == PAGE if after == 0 else reply.has_more)

    async def _catch_up(self, chat_id: str, cursor: ChatCursor) -> None:
        for _ in range(CATCH_UP_ROUNDS):
            more = True
            while more:
                messages, more = await self._history(chat_id, cursor.last_seq)
                if self.cursors.get(chat_id) is not cursor:
                    return  # unsubscribed, removed or subscribed anew meanwhile
                self._deliver(cursor.history(messages))
            delivered, gap = cursor.caught_up()
            self._deliver(delivered)
            if not gap:
                return
        log.warning("live.gap_not_closed", chat_id=chat_id, last_seq=cursor.last_seq)
        cursor.give_up()

    def _deliver(self, frames: list[tuple[str, pb.ChatMessage]]) -> None:
        for frame_type, message in frames:
            self.send(message_frame(frame_type, message))
            _delivered(frame_type).inc()

    async def _drop(self, chat_id: str) -> None:
        self.cursors.pop(chat_id, None)
        task = self._following.pop(chat_id, None)
        if task is not None and task is not asyncio.current_task():
            task.cancel()
        await self.service.hub.unsubscribe(chat_id, self)

    async def _unfollow(self, chat_id: str) -> None:
        if chat_id in self.cursors:
            await self._drop(chat_id)

    def on_live_event(self, event: pb.LiveChatEvent) -> None:
        """From the hub, for a chat this socket follows."""
        cursor = self.cursors.get(event.chat_id)
        if cursor is None or self._closing:
            return
        if event.kind == MEMBER_REMOVED:
            if event.user_id == self.user_id:
                self._background_task(self._drop(event.chat_id))
                self.cursors.pop(event.chat_id, None)
                self.send(removed_frame(event.chat_id))
            return
        if event.kind == MEMBER_JOINED:
            self.send(member_joined_frame(event.chat_id, event.user_id))
            return
        if event.kind == CALL_CHANGED:
            # The chat's call in progress (or none): every member following the chat sees it.
            self.send(chat_call_frame(event))
            return
        if event.kind == READ:
            # Read state is personal (presence-free, no read receipts): only my own devices hear it.
            if event.user_id == self.user_id:
                self.send(read_frame(event.chat_id, event.last_read_seq))
            return
        delivered, gap = cursor.offer(event)
        self._deliver(delivered)
        if gap and event.chat_id not in self._following:
            task = asyncio.create_task(self._refill(event.chat_id, cursor), name="live-refill")
            self._following[event.chat_id] = task
            task.add_done_callback(lambda done: self._forget_task(event.chat_id, done))

    async def _refill(self, chat_id: str, cursor: ChatCursor) -> None:
        # Most gaps are two neighbouring messages published out of order: give the missing one a
        # moment to arrive before asking messaging for history (30 sockets asking at once hurts).
        await asyncio.sleep(REORDER_WAIT_SECONDS)
        if self.cursors.get(chat_id) is not cursor or not cursor.still_missing():
            return
        cursor.start_refill()
        try:
            await self._catch_up(chat_id, cursor)
        except Exception as error:
            log.warning("live.refill_failed", chat_id=chat_id, error=str(error) or type(error).__name__)
            cursor.give_up()

    def _background_task(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)


@router.websocket("/api/v1/ws")
async def live_socket(websocket: WebSocket) -> None:
    """The live channel (see services/gateway/live/protocol.py for the frames)."""
    service: LiveService = websocket.app.state.live
    if not service.accepting:
        await websocket.close(CLOSE_TOO_SLOW, "not ready")
        return
    await LiveSession(websocket, service).run()
