"""The gateway process's live hub: one NATS connection, and one core-NATS subscription per chat
(`parta.live.chat.<id>`) however many of this process's sockets follow that chat. NATS does the
fan-out between gateways; the hub fans each event out to its own sockets."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Protocol

from google.protobuf.message import DecodeError
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

from parta.messaging.v1 import messaging_pb2 as pb
from services.common.broker import connect_nats, settled
from services.common.live import LIVE_CHAT_PREFIX, chat_subject
from services.common.logging import get_logger

log = get_logger(__name__)


class Listener(Protocol):
    """A socket's session: takes an event without waiting (it only queues what to send)."""

    def on_live_event(self, event: pb.LiveChatEvent) -> None: ...


class LiveHub:
    def __init__(self, nats_url: str, *, name: str = "gateway-live") -> None:
        self._url = nats_url
        self._name = name
        self._nc: NATS | None = None
        self._listeners: dict[str, set[Listener]] = {}
        # Per chat: done once the NATS server has the subscription (interest registered).
        self._ready: dict[str, asyncio.Task[None]] = {}
        self._subs: dict[str, Subscription] = {}

    async def open(self) -> None:
        self._nc = await connect_nats(self._url, name=self._name)

    async def close(self) -> None:
        nc, self._nc = self._nc, None
        self._listeners.clear()
        self._ready.clear()
        self._subs.clear()
        if nc is not None:
            with contextlib.suppress(Exception):
                await nc.drain()
            with contextlib.suppress(Exception):
                await nc.close()

    @property
    def connection(self) -> NATS:
        """The open NATS connection (other live channels share it)."""
        if self._nc is None:
            raise RuntimeError("the live hub is not open")
        return self._nc

    @property
    def chats(self) -> int:
        """How many chats this process follows (one NATS subscription each)."""
        return len(self._subs)

    def followers(self, chat_id: str) -> int:
        return len(self._listeners.get(chat_id, ()))

    async def subscribe(self, chat_id: str, listener: Listener) -> None:
        """Follow the chat; returns once events published from now on reach `listener`."""
        if self._nc is None:
            raise RuntimeError("the live hub is not open")
        self._listeners.setdefault(chat_id, set()).add(listener)
        ready = self._ready.get(chat_id)
        if ready is None:
            # A task of its own: a socket that goes away meanwhile (its follow cancelled) neither
            # leaves the chat half-subscribed nor keeps the others waiting.
            ready = asyncio.create_task(self._open(chat_id), name="live-hub-subscribe")
            ready.add_done_callback(_retrieve)
            self._ready[chat_id] = ready
        try:
            await asyncio.shield(ready)
        except Exception:
            self._listeners.get(chat_id, set()).discard(listener)
            raise

    async def _open(self, chat_id: str) -> None:
        nc = self.connection
        me = asyncio.current_task()
        try:
            sub = await nc.subscribe(chat_subject(chat_id), cb=self._on_message)
        except Exception:
            if self._ready.get(chat_id) is me:
                del self._ready[chat_id]
            raise
        try:
            await settled(nc)
        except Exception:
            if self._ready.get(chat_id) is me:
                del self._ready[chat_id]
            with contextlib.suppress(Exception):
                await sub.unsubscribe()
            raise
        if self._ready.get(chat_id) is me:
            self._subs[chat_id] = sub
        else:  # everyone left while it was being made
            with contextlib.suppress(Exception):
                await sub.unsubscribe()

    async def unsubscribe(self, chat_id: str, listener: Listener) -> None:
        listeners = self._listeners.get(chat_id)
        if listeners is None:
            return
        listeners.discard(listener)
        if listeners:
            return
        del self._listeners[chat_id]
        self._ready.pop(chat_id, None)
        sub = self._subs.pop(chat_id, None)
        if sub is not None:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()

    async def _on_message(self, msg: Msg) -> None:
        chat_id = msg.subject.removeprefix(LIVE_CHAT_PREFIX)
        try:
            event = pb.LiveChatEvent.FromString(msg.data)
        except DecodeError:
            log.warning("live.undecodable_event", subject=msg.subject)
            return
        if event.chat_id != chat_id:
            log.warning("live.subject_mismatch", subject=msg.subject, chat_id=event.chat_id)
            return
        for listener in list(self._listeners.get(chat_id, ())):
            try:
                listener.on_live_event(event)
            except Exception:
                log.exception("live.listener_failed", chat_id=chat_id)


def _retrieve(task: asyncio.Task[None]) -> None:
    """A subscription that failed after every socket waiting for it went away: nothing to report."""
    if not task.cancelled():
        task.exception()
