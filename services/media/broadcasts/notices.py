"""The live notice of a planned broadcast (R-MEDIA-2, decision 010): once the plan is committed, every
member of its audience (and its presenters) with a page open gets a `notice` frame on core NATS
`parta.live.user.<user_id>` — the subject identity's notices use, which each gateway passes to that
person's sockets as a toast. The audience is resolved with the planning administrator's own token:
directory's member list, and for a class audience each student's or parent's classes. Best effort
and not durable by design: whoever had no page open sees the broadcast in «Трансляции» and on the
chats screen."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from nats.aio.client import Client as NATS

from services.common.auth import Principal
from services.common.live import user_subject
from services.common.logging import get_logger
from services.media.broadcasts import rules
from services.media.broadcasts.convert import audience_of, presenters_of
from services.media.broadcasts.parts import AudienceLookup, Member

log = get_logger(__name__)

KIND = "broadcast.planned"


def notice_text(title: str, presenting: bool) -> str:
    if presenting:
        return f"Вы ведёте трансляцию «{title}». Она в разделе «Трансляции»."
    return f"Запланирована трансляция «{title}». Смотрите её в разделе «Трансляции»."


class BroadcastNotices:
    def __init__(self, nats: Callable[[], NATS], directory: AudienceLookup) -> None:
        self._nats = nats
        self._directory = directory

    async def audience_of(self, principal: Principal, broadcast: Any) -> list[str]:
        """Who of the organisation is told: the audience and the presenters, not the planner."""
        organisation = str(broadcast.organisation_id)
        audience, presenters = audience_of(broadcast), presenters_of(broadcast)
        told: list[str] = []
        for user_id, roles in await self._directory.members(principal, organisation):
            if user_id == principal.user_id:
                continue
            if user_id in presenters or rules.in_audience(audience, Member(True, roles)):
                told.append(user_id)
                continue
            if not rules.needs_classes(audience, roles):
                continue
            if rules.in_audience(audience, await self._directory.member(principal, organisation, user_id)):
                told.append(user_id)
        return told

    async def __call__(self, principal: Principal, broadcast: Any) -> None:
        presenters = presenters_of(broadcast)
        for user_id in await self.audience_of(principal, broadcast):
            frame = {
                "type": "notice",
                "kind": KIND,
                "organisation_id": str(broadcast.organisation_id),
                "id": str(broadcast.id),
                "text": notice_text(broadcast.title, user_id in presenters),
            }
            try:
                await self._nats().publish(
                    user_subject(user_id), json.dumps(frame, ensure_ascii=False).encode()
                )
            except Exception as error:  # best effort: the broadcast is in the lists anyway
                log.warning("broadcast_notice.failed", user_id=user_id, error=str(error))
