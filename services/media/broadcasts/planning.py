"""Broadcasts (R-MEDIA-2): the administrator plans, changes and cancels one; the audience lists theirs
and gets the broadcast; joining is joining its call (calls' `Calls.join` through `parts.CallJoin`:
the room access check, `access.RoomAccess`, answers for a broadcast's id — decision 010), and the
viewers' questions (`questions.py`) hang off the same "who is the caller to this broadcast".

The notice (decision 010): planning, changing and cancelling stage `parta.media.broadcast.planned` /
`.changed` in the outbox; once a plan is committed, its audience's open pages get a live notice
(`parts.NoticeSender`, notices.py, in the background); and the audience sees the broadcast in its list
(the web client's banner and «Трансляции» screen) whenever a page asks."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from parta.events.v1 import media_pb2 as events_pb2
from parta.media.v1 import calls_pb2
from services.common.auth import Principal
from services.common.convert import parse_uuid, to_timestamp
from services.common.db import Database
from services.common.errors import NotFound, RuleRefused
from services.common.events import user_actor
from services.common.outbox import stage_event
from services.common.tasks import TaskSpawner
from services.media.broadcasts import rules
from services.media.broadcasts.convert import audience_of, presenters_of
from services.media.broadcasts.parts import CallJoin, Member, MembershipCheck, NoticeSender, RoomEnd
from services.media.broadcasts.store import BroadcastStore


@dataclass(frozen=True)
class BroadcastView:
    """A broadcast as the caller sees it."""

    row: Row[Any]
    call_id: str
    viewer_count: int
    i_present: bool
    may_manage: bool


@dataclass(frozen=True)
class Change:
    """What the administrator changes (None: as it is)."""

    title: str | None = None
    starts_at: datetime | None = None
    presenter_ids: tuple[str, ...] | None = None
    audience: rules.Audience | None = None


class Broadcasts:
    def __init__(
        self,
        db: Database,
        store: BroadcastStore,
        membership: MembershipCheck,
        join_call: CallJoin,
        clock: Callable[[], datetime],
        notify: NoticeSender | None = None,
        end_call: RoomEnd | None = None,
    ) -> None:
        self._db = db
        self._store = store
        self._membership = membership
        self._join_call = join_call
        self._clock = clock
        self._notify = notify
        self._end_call = end_call
        self._tasks = TaskSpawner("broadcasts")

    async def close(self) -> None:
        """Stops the live notices still being sent."""
        await self._tasks.close()

    # --- who the caller is to a broadcast -------------------------------------------------------
    async def watched(self, principal: Principal, broadcast_id: str) -> tuple[Row[Any], Member]:
        """The broadcast and the caller, who may watch it (NOT_FOUND for another organisation's
        person, PERMISSION_DENIED R-MEDIA-2 outside the audience)."""
        row = await self._row(parse_uuid(broadcast_id, "broadcast_id"))
        member = await self._membership(principal, str(row.organisation_id))
        rules.check_may_watch(audience_of(row), presenters_of(row), member, principal.user_id)
        return row, member

    async def _row(self, broadcast_id: uuid.UUID) -> Row[Any]:
        async with self._db.read("broadcast_get") as conn:
            row = await self._store.get(conn, broadcast_id)
        if row is None:
            raise NotFound(rules.NOT_FOUND, rule=rules.RULE)
        return row

    async def _views(
        self, principal: Principal, member: Member, rows: Sequence[Row[Any]]
    ) -> list[BroadcastView]:
        async with self._db.read("broadcast_calls") as conn:
            live = await self._store.calls_in_progress(conn, [row.id for row in rows])
        views = []
        for row in rows:
            call_id, count = live.get(row.id, (None, 0))
            presenters = presenters_of(row)
            views.append(
                BroadcastView(
                    row,
                    str(call_id) if call_id is not None else "",
                    count,
                    i_present=principal.user_id in presenters,
                    may_manage=rules.is_administrator(member),
                )
            )
        return views

    # --- the administrator ----------------------------------------------------------------------
    async def plan(self, principal: Principal, organisation_id: str, plan: rules.Plan) -> BroadcastView:
        organisation = parse_uuid(organisation_id, "organisation_id")
        member = await self._membership(principal, organisation_id)
        rules.check_may_plan(member)  # R-MEDIA-2
        plan = rules.check_plan(plan)
        presenters = [parse_uuid(user_id, "presenter_ids") for user_id in plan.presenter_ids]
        classes = [parse_uuid(class_id, "audience") for class_id in sorted(plan.audience.class_ids)]
        async with self._db.transaction("broadcast_plan") as conn:
            row = await self._store.insert(
                conn,
                id=uuid.uuid4(),
                organisation_id=organisation,
                title=plan.title,
                starts_at=plan.starts_at,
                presenter_ids=presenters,
                whole_school=plan.audience.whole_school,
                staff=plan.audience.staff,
                class_ids=classes,
                students=plan.audience.students,
                parents=plan.audience.parents,
                created_by=uuid.UUID(principal.user_id),
                created_at=self._clock(),
            )
            await self._stage(conn, "media.broadcast.planned", row, principal)
        if self._notify is not None:
            self._tasks.spawn(self._notify(principal, row), name=f"broadcast-notice-{row.id}")
        return (await self._views(principal, member, [row]))[0]

    async def update(self, principal: Principal, broadcast_id: str, change: Change) -> BroadcastView:
        row = await self._row(parse_uuid(broadcast_id, "broadcast_id"))
        member = await self._membership(principal, str(row.organisation_id))
        rules.check_may_plan(member)
        if row.cancelled_at is not None:
            raise RuleRefused(rules.CANCELLED, rule=rules.RULE)
        plan = rules.check_plan(
            rules.Plan(
                title=change.title if change.title is not None else row.title,
                starts_at=change.starts_at or row.starts_at,
                presenter_ids=change.presenter_ids or presenters_of(row),
                audience=change.audience or audience_of(row),
            )
        )
        async with self._db.transaction("broadcast_update") as conn:
            row = await self._store.update(
                conn,
                row.id,
                title=plan.title,
                starts_at=plan.starts_at,
                presenter_ids=[parse_uuid(user_id, "presenter_ids") for user_id in plan.presenter_ids],
                whole_school=plan.audience.whole_school,
                staff=plan.audience.staff,
                class_ids=[parse_uuid(class_id, "audience") for class_id in sorted(plan.audience.class_ids)],
                students=plan.audience.students,
                parents=plan.audience.parents,
            )
            await self._stage(conn, "media.broadcast.changed", row, principal)
        return (await self._views(principal, member, [row]))[0]

    async def cancel(self, principal: Principal, broadcast_id: str) -> BroadcastView:
        row = await self._row(parse_uuid(broadcast_id, "broadcast_id"))
        member = await self._membership(principal, str(row.organisation_id))
        rules.check_may_plan(member)
        if row.cancelled_at is None:
            async with self._db.transaction("broadcast_cancel") as conn:
                row = await self._store.update(conn, row.id, cancelled_at=self._clock())
                await self._stage(conn, "media.broadcast.changed", row, principal)
            if self._end_call is not None:
                await self._end_call(str(row.id))  # cancelled while live: its call ends for everyone
        return (await self._views(principal, member, [row]))[0]

    async def _stage(
        self, conn: AsyncConnection, event_type: str, row: Row[Any], principal: Principal
    ) -> None:
        audience = audience_of(row)
        await stage_event(
            conn,
            event_type,
            events_pb2.BroadcastPlanned(
                organisation_id=str(row.organisation_id),
                broadcast_id=str(row.id),
                title=row.title,
                starts_at=to_timestamp(row.starts_at),
                presenter_ids=list(presenters_of(row)),
                whole_school=audience.whole_school,
                staff=audience.staff,
                class_ids=sorted(audience.class_ids),
                students=audience.students,
                parents=audience.parents,
                cancelled=row.cancelled_at is not None,
            ),
            organisation_id=str(row.organisation_id),
            actor=user_actor(principal.user_id),
        )

    # --- the audience ---------------------------------------------------------------------------
    async def mine(self, principal: Principal, organisation_id: str) -> list[BroadcastView]:
        organisation = parse_uuid(organisation_id, "organisation_id")
        member = await self._membership(principal, organisation_id)
        rules.check_member(member)
        async with self._db.read("broadcasts_listed") as conn:
            rows = await self._store.listed(conn, organisation, self._clock() - rules.LISTED_AFTER)
        mine = [
            row
            for row in rows
            if rules.may_watch(audience_of(row), presenters_of(row), member, principal.user_id)
        ]
        return await self._views(principal, member, mine)

    async def get(self, principal: Principal, broadcast_id: str) -> BroadcastView:
        row, member = await self.watched(principal, broadcast_id)
        return (await self._views(principal, member, [row]))[0]

    async def join(self, principal: Principal, broadcast_id: str) -> calls_pb2.JoinCallResponse:
        """Its call: a presenter publishes, a viewer listens and watches (may_publish false)."""
        parse_uuid(broadcast_id, "broadcast_id")
        return await self._join_call(principal, broadcast_id)
