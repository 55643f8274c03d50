"""The viewers' questions to a broadcast's presenters (R-MEDIA-2), a list the broadcast owns
(decision 010): anyone who may watch asks; the presenters and the administrators see every visible
question (the presenter's page asks for the list every few seconds), a viewer sees their own; a
presenter or an administrator hides one."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row

from services.common.auth import Principal
from services.common.convert import parse_uuid
from services.common.db import Database
from services.common.errors import NotFound, PermissionDenied, RuleRefused
from services.media.broadcasts import rules
from services.media.broadcasts.convert import presenters_of
from services.media.broadcasts.planning import Broadcasts
from services.media.broadcasts.store import BroadcastStore

QUESTION_NOT_FOUND = "Вопрос не найден"


class Questions:
    def __init__(
        self, db: Database, store: BroadcastStore, broadcasts: Broadcasts, clock: Callable[[], datetime]
    ) -> None:
        self._db = db
        self._store = store
        self._broadcasts = broadcasts
        self._clock = clock

    async def ask(self, principal: Principal, broadcast_id: str, text: str) -> Row[Any]:
        row, _ = await self._broadcasts.watched(principal, broadcast_id)
        if row.cancelled_at is not None:
            raise RuleRefused(rules.CANCELLED, rule=rules.RULE)
        text = rules.check_question(text)
        async with self._db.transaction("broadcast_ask") as conn:
            return await self._store.insert_question(
                conn,
                id=uuid.uuid4(),
                broadcast_id=row.id,
                author_id=uuid.UUID(principal.user_id),
                text=text,
                asked_at=self._clock(),
            )

    async def listed(self, principal: Principal, broadcast_id: str) -> Sequence[Row[Any]]:
        row, member = await self._broadcasts.watched(principal, broadcast_id)
        everyone = rules.may_manage(presenters_of(row), member, principal.user_id)
        async with self._db.read("broadcast_questions") as conn:
            return await self._store.questions(
                conn, row.id, author_id=None if everyone else uuid.UUID(principal.user_id)
            )

    async def hide(self, principal: Principal, broadcast_id: str, question_id: str) -> Row[Any]:
        row, member = await self._broadcasts.watched(principal, broadcast_id)
        if not rules.may_manage(presenters_of(row), member, principal.user_id):
            raise PermissionDenied(rules.NOT_A_PRESENTER, rule=rules.RULE)
        question = parse_uuid(question_id, "question_id")
        async with self._db.transaction("broadcast_hide") as conn:
            hidden = await self._store.hide_question(
                conn, row.id, question, uuid.UUID(principal.user_id), self._clock()
            )
        if hidden is None:
            raise NotFound(QUESTION_NOT_FOUND, field="question_id")
        return hidden
