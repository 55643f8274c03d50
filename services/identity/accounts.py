"""The school profile (R-PRIV-1) and the user's own sessions.

The profile is Parta's own — display name, first and last name, avatar — and nothing links it
to an account elsewhere: there is no field for one, and the avatar must be a Parta file path or
an https URL, never a profile link we would have to follow.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Row

from parta.events.v1 import identity_pb2 as events
from services.common.db import Database
from services.common.errors import InvalidArgument, NotFound
from services.common.events import user_actor
from services.common.outbox import stage_event
from services.identity.store import IdentityStore

MAX_NAME = 64
AVATAR_PATTERN = re.compile(r"(/files/[\w\-./]{1,200}|https://[\w\-.]+(:\d+)?/[\w\-./%]{0,300})")


@dataclass(frozen=True)
class Profile:
    user: Row[Any]
    children: list[Row[Any]] = field(default_factory=list)
    verifications: list[Row[Any]] = field(default_factory=list)


def clean_profile_changes(changes: dict[str, str | None]) -> dict[str, str]:
    """Validate a profile edit; None means 'not changed'."""
    cleaned: dict[str, str] = {}
    for name in ("display_name", "first_name", "last_name"):
        value = changes.get(name)
        if value is None:
            continue
        value = " ".join(value.split())
        if len(value) > MAX_NAME:
            raise InvalidArgument(f"Поле {name} длиннее {MAX_NAME} символов")
        if any(ch in value for ch in '<>"\\'):
            raise InvalidArgument(f"Поле {name} содержит недопустимые символы")
        cleaned[name] = value
    avatar = changes.get("avatar_url")
    if avatar is not None:
        if avatar and not AVATAR_PATTERN.fullmatch(avatar):
            raise InvalidArgument("Аватар: ссылка на файл Parta или адрес https://")
        cleaned["avatar_url"] = avatar
    return cleaned


class Accounts:
    def __init__(self, db: Database, store: IdentityStore) -> None:
        self._db = db
        self._store = store

    async def profile(self, user_id: str) -> Profile:
        async with self._db.transaction("get_profile") as conn:
            user = await self._store.get_user(conn, uuid.UUID(user_id))
            if user is None:
                raise NotFound("Учётная запись не найдена")
            children = list(await self._store.children_of(conn, user.email)) if user.email else []
            verifications = list(await self._store.verifications_of_user(conn, user.id))
        return Profile(user, children, verifications)

    async def update_profile(self, user_id: str, changes: dict[str, str | None]) -> Profile:
        cleaned = clean_profile_changes(changes)
        if cleaned:
            async with self._db.transaction("update_profile") as conn:
                user = await self._store.update_user(conn, uuid.UUID(user_id), cleaned)
                await stage_event(
                    conn,
                    "identity.profile.updated",
                    events.ProfileUpdated(
                        user_id=user_id,
                        display_name=user.display_name,
                        first_name=user.first_name,
                        last_name=user.last_name,
                        avatar_url=user.avatar_url,
                    ),
                    actor=user_actor(user_id),
                )
        return await self.profile(user_id)

    async def sessions(self, user_id: str) -> list[Row[Any]]:
        async with self._db.transaction("list_sessions") as conn:
            return list(await self._store.active_sessions(conn, uuid.UUID(user_id)))
