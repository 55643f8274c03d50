"""The media service's `ChatAccessCheck` for every call room (decision 010): a broadcast's id is
answered here — R-MEDIA-2's audience, resolved against directory's membership now — and any other id
goes on to messaging's chat access (calls/access.py). Calls ask it at every join, offer, subscription
and moderator action, so a broadcast's call is guarded exactly as a chat's call, on the same path.

For a broadcast: another organisation's person — NOT_FOUND; outside the audience — PERMISSION_DENIED
(R-MEDIA-2); a cancelled broadcast, or one whose room is not open yet — FAILED_PRECONDITION. In the
audience: `may_read`; only a presenter publishes (a viewer's Standing is `blocked`, which calls turn
into a listen-only session, may_publish false on the SFU); presenters and administrators moderate."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from services.common.auth import Principal
from services.common.convert import uuid_or_none
from services.common.db import Database
from services.media.broadcasts import rules
from services.media.broadcasts.convert import audience_of, presenters_of
from services.media.broadcasts.parts import MembershipCheck
from services.media.broadcasts.store import BroadcastStore
from services.media.calls.parts import ChatAccessCheck, Standing


class RoomAccess:
    def __init__(
        self,
        db: Database,
        store: BroadcastStore,
        membership: MembershipCheck,
        chats: ChatAccessCheck,
        clock: Callable[[], datetime],
    ) -> None:
        self._db = db
        self._store = store
        self._membership = membership
        self._chats = chats
        self._clock = clock

    async def __call__(self, principal: Principal, chat_id: str) -> Standing:
        room = uuid_or_none(chat_id)
        if room is not None:
            async with self._db.read("broadcast_room") as conn:
                broadcast = await self._store.get(conn, room)
            if broadcast is not None:
                member = await self._membership(principal, str(broadcast.organisation_id))
                presenters = presenters_of(broadcast)
                rules.check_may_watch(audience_of(broadcast), presenters, member, principal.user_id)
                rules.check_open(broadcast.starts_at, broadcast.cancelled_at is not None, self._clock())
                return Standing(
                    chat_id=str(broadcast.id),
                    organisation_id=str(broadcast.organisation_id),
                    may_read=True,
                    may_post=True,
                    blocked=not rules.may_publish(presenters, principal.user_id),
                    may_moderate=rules.may_manage(presenters, member, principal.user_id),
                    kind="broadcast",
                )
        return await self._chats(principal, chat_id)
