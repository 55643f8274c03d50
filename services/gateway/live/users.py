"""Per-person live channels: one core-NATS subscription per person who has a signed-in WebSocket on
this gateway process, however many sockets they have, fanned out to each of them.

`PersonChannels` does that for any per-person subject; `UserChannels` is the one on
`parta.live.user.<user_id>`: a notice for that person (identity's services/identity/notices): a
decision about them, an answer, a new request for them to decide. Each of their sockets gets it as
a `notice` frame; a request (with a reply subject) is answered once at least one socket took it,
so the publisher knows the person had a page open and need not write to them. (media.py: the
sibling for the person's calls.)"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Protocol

from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

from services.common.broker import settled
from services.common.live import LIVE_USER_PREFIX
from services.common.logging import get_logger
from services.gateway.live.hub import LiveHub
from services.gateway.live.protocol import notice_frame

log = get_logger(__name__)

DELIVERED = b"1"


class PersonalListener(Protocol):
    """A socket's session: queues the frame; False if it is closing and took nothing."""

    def on_personal(self, frame: str) -> bool: ...


class PersonChannels:
    """One subscription per person on `<prefix><user_id>`; each message made into one frame
    (`frame`, None: not one — logged and dropped) and given to every listener of that person."""

    def __init__(self, hub: LiveHub, prefix: str, frame: Callable[[bytes], str | None], what: str) -> None:
        self._hub = hub
        self._prefix = prefix
        self._frame = frame
        self._what = what
        self._listeners: dict[str, set[PersonalListener]] = {}
        self._subs: dict[str, Subscription] = {}
        self._lock = asyncio.Lock()

    @property
    def people(self) -> int:
        """How many people this process follows here (one NATS subscription each)."""
        return len(self._subs)

    async def follow(self, user_id: str, listener: PersonalListener) -> None:
        """Returns once what is published for the person from now on reaches `listener`."""
        async with self._lock:
            self._listeners.setdefault(user_id, set()).add(listener)
            if user_id in self._subs:
                return
            nc = self._hub.connection
            try:
                self._subs[user_id] = await nc.subscribe(self._prefix + user_id, cb=self._on_message)
                await settled(nc)
            except Exception:
                self._listeners[user_id].discard(listener)
                raise

    async def unfollow(self, user_id: str, listener: PersonalListener) -> None:
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
        user_id = msg.subject.removeprefix(self._prefix)
        frame = self._frame(msg.data)
        if frame is None:
            log.warning("live.bad_personal_message", subject=msg.subject, what=self._what)
            return
        taken = False
        for listener in list(self._listeners.get(user_id, ())):
            try:
                taken = listener.on_personal(frame) or taken
            except Exception:
                log.exception("live.personal_listener_failed", what=self._what)
        if taken and msg.reply:
            with contextlib.suppress(Exception):
                await msg.respond(DELIVERED)


class UserChannels(PersonChannels):
    """The person's notices (`notice` frames) on `parta.live.user.<user_id>`."""

    def __init__(self, hub: LiveHub) -> None:
        super().__init__(hub, LIVE_USER_PREFIX, notice_frame, "notice")
