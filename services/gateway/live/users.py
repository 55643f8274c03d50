"""Per-person live channels: one core-NATS subscription on `parta.live.user.<user_id>` per person
who has a signed-in WebSocket on this gateway process, however many sockets they have.

What is published there is a notice for that person (identity's services/identity/notices): a
decision about them, an answer, a new request for them to decide. Each of their sockets gets it as
a `notice` frame; a request (with a reply subject) is answered once at least one socket took it,
so the publisher knows the person had a page open and need not write to them."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Protocol

from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

from services.common.live import LIVE_USER_PREFIX, user_subject
from services.common.logging import get_logger
from services.gateway.live.hub import LiveHub
from services.gateway.live.protocol import notice_frame

log = get_logger(__name__)

DELIVERED = b"1"


class NoticeListener(Protocol):
    """A socket's session: queues the frame; False if it is closing and took nothing."""

    def on_notice(self, frame: str) -> bool: ...


class UserChannels:
    def __init__(self, hub: LiveHub) -> None:
        self._hub = hub
        self._listeners: dict[str, set[NoticeListener]] = {}
        self._subs: dict[str, Subscription] = {}
        self._lock = asyncio.Lock()

    async def follow(self, user_id: str, listener: NoticeListener) -> None:
        """Returns once notices published for the person from now on reach `listener`."""
        async with self._lock:
            self._listeners.setdefault(user_id, set()).add(listener)
            if user_id in self._subs:
                return
            nc = self._hub.connection
            try:
                self._subs[user_id] = await nc.subscribe(user_subject(user_id), cb=self._on_message)
                await nc.flush(timeout=5)
            except Exception:
                self._listeners[user_id].discard(listener)
                raise

    async def unfollow(self, user_id: str, listener: NoticeListener) -> None:
        async with self._lock:
            listeners = self._listeners.get(user_id)
            if listeners is None:
                return
            listeners.discard(listener)
            if listeners:
                return
            del self._listeners[user_id]
            sub = self._subs.pop(user_id, None)
        if sub is not None:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()

    async def _on_message(self, msg: Msg) -> None:
        user_id = msg.subject.removeprefix(LIVE_USER_PREFIX)
        frame = notice_frame(msg.data)
        if frame is None:
            log.warning("live.bad_notice", subject=msg.subject)
            return
        taken = False
        for listener in list(self._listeners.get(user_id, ())):
            try:
                taken = listener.on_notice(frame) or taken
            except Exception:
                log.exception("live.notice_listener_failed")
        if taken and msg.reply:
            with contextlib.suppress(Exception):
                await msg.respond(DELIVERED)
