"""The school profile (R-PRIV-1) and the user's own sessions.

The profile is Parta's own — display name, first and last name, avatar — and nothing links it
to an account elsewhere: there is no field for one, and the avatar must be a Parta file path or
an https URL, never a profile link we would have to follow.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Row

from parta.events.v1 import identity_pb2 as events
from services.common.convert import parse_uuid
from services.common.db import Database
from services.common.errors import InvalidArgument, NotFound
from services.common.events import user_actor
from services.common.outbox import stage_event
from services.identity.kinship import Child, parent_label
from services.identity.store import IdentityStore

MAX_NAME = 64

AVATAR_PATTERN = re.compile(r"(/files/[\w\-./]{1,200}|https://[\w\-.]+(:\d+)?/[\w\-./%]{0,300})")


@dataclass(frozen=True)
class Profile:
    user: Row[Any]
    children: list[Row[Any]] = field(default_factory=list)
    verifications: list[Row[Any]] = field(default_factory=list)


def visible_text(value: str) -> str:
    """The text without control and format characters (Unicode Cc, Cf): bidi overrides such as
    U+202E, which would make a name read reversed or imitate another's, zero-width characters."""
    return "".join(ch for ch in value if unicodedata.category(ch) not in ("Cc", "Cf"))


def clean_profile_changes(changes: dict[str, str | None]) -> dict[str, str]:
    """Validate a profile edit; None means 'not changed'."""
    cleaned: dict[str, str] = {}
    for name in ("display_name", "first_name", "last_name"):
        value = changes.get(name)
        if value is None:
            continue
        # Names are shown to others: nothing invisible in them.
        value = " ".join(visible_text(value).split())
        if len(value) > MAX_NAME:
            raise InvalidArgument(f"Поле {name} длиннее {MAX_NAME} символов")
        if any(ch in value for ch in '<>"\\'):
            raise InvalidArgument(f"Поле {name} содержит недопустимые символы")
        cleaned[name] = value
    avatar = changes.get("avatar_url")
    if avatar is not None:
        if avatar and not AVATAR_PATTERN.fullmatch(avatar):
            raise InvalidArgument("Аватар: ссылка на файл Парты или адрес https://")
        cleaned["avatar_url"] = avatar
    return cleaned


MAX_PROFILES = 200


@dataclass(frozen=True)
class PublicProfile:
    """What another member of a shared organisation sees of a person (R-PRIV-1)."""

    user_id: str
    name: str
    avatar_url: str
    # The name with who a parent is to their children here (R-ROLE-6), else the name.
    label: str = ""


def shown_name(display_name: str, first_name: str, last_name: str) -> str:
    """The display name, else first and last name; never a phone or an e-mail. Empty when the
    person never gave a name (the client says so in its own words)."""
    return display_name or " ".join(part for part in (first_name, last_name) if part)


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

    async def profiles_in(
        self, viewer_id: str, organisation_id: str, user_ids: list[str]
    ) -> list[PublicProfile]:
        """Profiles of members of an organisation the viewer is a member of too (R-PRIV-1, R-ORG-1)."""
        if len(user_ids) > MAX_PROFILES:
            raise InvalidArgument(f"Не больше {MAX_PROFILES} человек за один запрос")
        org = parse_uuid(organisation_id, "организация")
        wanted = [parse_uuid(user_id, "пользователь") for user_id in user_ids]
        async with self._db.transaction("profiles_in_organisation") as conn:
            if not await self._store.org_roles_of(conn, org, uuid.UUID(viewer_id)):
                raise NotFound("Организация не найдена")
            rows = await self._store.members_among(conn, org, wanted)
            children: dict[str, list[Child]] = {}
            for link in await self._store.children_named(conn, org, [row.id for row in rows]):
                children.setdefault(str(link.parent_id), []).append(
                    Child(link.first_name, link.last_name, link.relation)
                )
        profiles = []
        for row in rows:
            name = shown_name(row.display_name, row.first_name, row.last_name)
            label = parent_label(name, children.get(str(row.id), []))
            profiles.append(PublicProfile(str(row.id), name, row.avatar_url, label))
        return profiles

    async def sessions(self, user_id: str) -> list[Row[Any]]:
        async with self._db.transaction("list_sessions") as conn:
            return list(await self._store.active_sessions(conn, uuid.UUID(user_id)))
