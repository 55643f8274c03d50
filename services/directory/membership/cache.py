"""A per-instance cache of members' roles for the membership check other services authorise with
(CheckMembership: p99 under 2 ms at 1,000 checks/s).

Correctness comes from events, not from the clock: every role change is published (through the
outbox) as `parta.directory.member.roles_changed`, and each directory instance listens on core NATS
and forgets that member at once — a student who leaves loses access within milliseconds. The TTL
only bounds staleness if an event is missed, and a NATS reconnect clears everything.
"""

from __future__ import annotations

import time
import uuid
from collections import OrderedDict

from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from prometheus_client import Counter

from parta.events.v1 import directory_pb2, envelope_pb2
from services.common.events import subject_for
from services.common.logging import get_logger

log = get_logger(__name__)

CACHE_LOOKUPS = Counter("parta_directory_membership_cache_total", "Membership cache look-ups", ["outcome"])

Key = tuple[uuid.UUID, uuid.UUID]


class MembershipCache:
    def __init__(self, *, ttl: float = 30.0, max_entries: int = 100_000) -> None:
        self._ttl = ttl
        self._max_entries = max_entries
        self._entries: OrderedDict[Key, tuple[float, frozenset[str]]] = OrderedDict()
        self._subscription: Subscription | None = None

    def get(self, organisation_id: uuid.UUID, user_id: uuid.UUID) -> frozenset[str] | None:
        entry = self._entries.get((organisation_id, user_id))
        if entry is None or time.monotonic() - entry[0] > self._ttl:
            CACHE_LOOKUPS.labels("miss").inc()
            return None
        CACHE_LOOKUPS.labels("hit").inc()
        return entry[1]

    def put(self, organisation_id: uuid.UUID, user_id: uuid.UUID, roles: frozenset[str]) -> None:
        key = (organisation_id, user_id)
        self._entries[key] = (time.monotonic(), roles)
        self._entries.move_to_end(key)
        if len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)

    def forget(self, organisation_id: uuid.UUID, user_id: uuid.UUID) -> None:
        self._entries.pop((organisation_id, user_id), None)

    def clear(self) -> None:
        self._entries.clear()

    async def start(self, nc: NATS) -> None:
        """Forget members whose roles changed, as the events arrive (from any instance)."""
        self._subscription = await nc.subscribe(
            subject_for("directory.member.roles_changed"), cb=self._on_roles_changed
        )

    async def _on_roles_changed(self, msg: Msg) -> None:
        try:
            envelope = envelope_pb2.EventEnvelope.FromString(msg.data)
            event = directory_pb2.MemberRolesChanged()
            envelope.payload.Unpack(event)
            self.forget(uuid.UUID(event.organisation_id), uuid.UUID(event.user_id))
        except Exception:
            log.warning("membership_cache.bad_event")
            self.clear()

    async def on_reconnected(self) -> None:
        """Events may have been missed while disconnected."""
        self.clear()

    async def stop(self) -> None:
        if self._subscription is not None:
            await self._subscription.unsubscribe()
