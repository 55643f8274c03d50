"""What the control plane tells a call's pages live, on core NATS `media_subject(user_id)`
(services/common/live.py) as `parta.media.v1.LiveCallEvent`s: the participant list to everyone in the
call after every join, leave and state change; a moderator's mute and a session's end to the person
concerned. Not durable by design (a page that reconnects asks GetChatCall)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from nats.aio.client import Client as NATS
from sqlalchemy import Row

from parta.media.v1 import media_pb2
from services.common.live import media_subject
from services.common.logging import get_logger
from services.media.calls.convert import LEFT_REASONS, SOURCE_VALUES, participant_pb

log = get_logger(__name__)


class CallLive:
    def __init__(self, nats: Callable[[], NATS]) -> None:
        self._nats = nats

    async def _send(self, user_id: str, event: media_pb2.LiveCallEvent) -> None:
        try:
            await self._nats().publish(media_subject(user_id), event.SerializeToString())
        except Exception as error:  # live delivery is best effort; the call's state is in the database
            log.warning("call_live.publish_failed", user_id=user_id, error=str(error))

    async def participants(self, call_id: str, sessions: Sequence[Row[Any]]) -> None:
        """The full list (one call: small) to every person in the call, for all their devices."""
        event = media_pb2.LiveCallEvent(
            call_id=call_id,
            participants=media_pb2.ParticipantList(participants=[participant_pb(s) for s in sessions]),
        )
        for user_id in sorted({str(s.user_id) for s in sessions}):
            await self._send(user_id, event)

    async def muted(self, call_id: str, sessions: Iterable[Row[Any]], source: str, by_user_id: str) -> None:
        await self._to_each(
            call_id, sessions, muted=media_pb2.Muted(source=SOURCE_VALUES[source], by_user_id=by_user_id)
        )

    async def closed(self, call_id: str, sessions: Iterable[Row[Any]], reason: str) -> None:
        await self._to_each(call_id, sessions, closed=media_pb2.SessionClosed(reason=LEFT_REASONS[reason]))

    async def _to_each(self, call_id: str, sessions: Iterable[Row[Any]], **event: Any) -> None:
        """One event for each of these sessions, to its person's subject, naming the session."""
        for session in sessions:
            await self._send(
                str(session.user_id),
                media_pb2.LiveCallEvent(call_id=call_id, session_id=str(session.id), **event),
            )
