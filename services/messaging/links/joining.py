"""Chat invite links (R-CHAT-6: members join a chat by a chat invite link from its teacher).

- Made, listed and revoked by the chat's moderators — its creator and those named since (R-MOD-1) —
  and the organisation's administrators: an expiry (7 days by default, at most 30) and an optional
  use limit. The token (192 random bits) is shown once; only its SHA-256 is kept
  (`services/common/link_tokens.py`, the same scheme as directory's organisation invites; the
  lifetime, use limit and refusals in `rules.py`).
- A preview shows the chat's title, kind, organisation and numbered rules; nothing about members.
- Joining is voluntary and acknowledges the chat's current rules, exactly like JoinChat (R-CHAT-4,
  R-CHAT-5). A chat link is not a way into the school: only a member of the chat's organisation
  may use it (R-CHAT-6, R-INV-5), and only if they belong to the chat's audience (a parents' chat
  link does not let a student in, R-CHAT-1); a blocked member stays out while blocked (R-MOD-3).
- Each new membership counts one use, atomically: concurrent joins never exceed the limit.
- Guessing (`services/common/link_tokens.py`, shared with directory's invites): a valid token is
  honoured before any limit; unknown ones are counted per (client address, token prefix) — past 20
  in 10 minutes that client waits — with a ceiling of 300 per address, so one client's wrong
  guesses do not lock out the others behind the same address."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from services.common.auth import Principal
from services.common.convert import parse_uuid
from services.common.db import Database
from services.common.errors import NotFound, PermissionDenied, RuleRefused
from services.common.link_failures import look_up
from services.common.link_tokens import hash_token, new_token
from services.messaging.chats.parts import Access, ChatAccess, ChatView
from services.messaging.links.rules import (
    RULE,
    check_rules_acknowledged,
    lifetime_days,
    link_refusal,
    use_limit,
)
from services.messaging.links.store import ChatLinkStore
from services.messaging.moderation.parts import Moderators

LINK_NOT_FOUND = "Ссылка-приглашение в чат не найдена"
NOT_IN_ORGANISATION = (
    "Ссылка-приглашение в чат не делает участником школы: сначала вступите в организацию "
    "по её приглашению или заявке, затем откройте ссылку снова"
)
NOT_IN_AUDIENCE = "Этот чат не для вас: по ссылке вступают только те, для кого он создан"


@dataclass(frozen=True)
class CreatedLink:
    link: Row[Any]
    token: str


@dataclass(frozen=True)
class LinkPreview:
    chat: Row[Any]
    organisation_name: str
    expires_at: datetime
    member: bool
    organisation_member: bool


class ChatJoins(Protocol):
    """What joining through a link needs of chats (main passes chats' `membership.Chats`)."""

    async def add_joined(
        self, conn: AsyncConnection, chat: Row[Any], user_id: uuid.UUID, rules_version: int
    ) -> bool:
        """Make the person a member (`member.joined` staged); False when they already are one."""
        ...

    async def settle_invitations(
        self, conn: AsyncConnection, chat_id: uuid.UUID, user_id: uuid.UUID, status: str
    ) -> None: ...

    async def view(self, conn: AsyncConnection, access: ChatAccess) -> ChatView: ...


class ChatLinks:
    def __init__(
        self,
        db: Database,
        store: ChatLinkStore,
        access: Access,
        chats: ChatJoins,
        moderators: Moderators,
    ) -> None:
        self._db = db
        self._store = store
        self._access = access
        self._chats = chats
        self._moderators = moderators

    # --- the moderators' side -----------------------------------------------------------------
    async def create(
        self, principal: Principal, chat_id: str, expires_in_days: int, max_uses: int
    ) -> CreatedLink:
        days = lifetime_days(expires_in_days)
        limit = use_limit(max_uses)
        async with self._db.transaction("create_chat_link") as conn:
            mod = await self._moderators.moderator_of(conn, chat_id, principal)
            token = new_token()
            now = datetime.now(UTC)
            row = await self._store.insert_link(
                conn,
                chat_id=mod.chat.id,
                organisation_id=mod.chat.organisation_id,
                token_hash=hash_token(token),
                created_by=mod.user_id,
                created_at=now,
                expires_at=now + timedelta(days=days),
                max_uses=limit,
            )
            return CreatedLink(row, token)

    async def list(self, principal: Principal, chat_id: str) -> list[Row[Any]]:
        async with self._db.transaction("list_chat_links") as conn:
            mod = await self._moderators.moderator_of(conn, chat_id, principal)
            return list(await self._store.chat_links(conn, mod.chat.id))

    async def revoke(self, principal: Principal, chat_id: str, link_id: str) -> Row[Any]:
        wanted = parse_uuid(link_id, "link_id")
        async with self._db.transaction("revoke_chat_link") as conn:
            mod = await self._moderators.moderator_of(conn, chat_id, principal)
            link = await self._store.get_link(conn, wanted)
            if link is None or link.chat_id != mod.chat.id:
                raise NotFound(LINK_NOT_FOUND)
            return await self._store.revoke_link(conn, wanted, mod.user_id)

    async def revoke_all(self, principal: Principal, chat_id: str) -> int:
        """Every link of the chat still usable, at once; returns how many."""
        async with self._db.transaction("revoke_all_chat_links") as conn:
            mod = await self._moderators.moderator_of(conn, chat_id, principal)
            return await self._store.revoke_usable_links(conn, mod.chat.id, mod.user_id)

    # --- following a link ---------------------------------------------------------------------
    async def preview(self, principal: Principal, token: str, client_address: str | None) -> LinkPreview:
        """What a link leads to — title, kind, organisation, rules — nothing about members."""
        user = uuid.UUID(principal.user_id)
        async with self._db.transaction("preview_chat_link") as conn:
            link = await self._look_up(conn, token, client_address)
            preview = None
            if link is not None:
                refusal = link_refusal(link, datetime.now(UTC))
                if refusal is not None:
                    raise refusal
                chat = await self._access.get_chat(conn, link.chat_id)
                assert chat is not None  # a link references its chat
                person = await self._access.person(conn, chat.organisation_id, user)
                preview = LinkPreview(
                    chat=chat,
                    organisation_name=await self._store.organisation_name(conn, chat.organisation_id),
                    expires_at=link.expires_at,
                    member=await self._access.membership(conn, chat.id, user) is not None,
                    organisation_member=person.is_member,
                )
        if preview is None:
            raise NotFound(LINK_NOT_FOUND)
        return preview

    async def join(
        self, principal: Principal, token: str, rules_version: int, client_address: str | None
    ) -> ChatView:
        """R-CHAT-4, R-CHAT-5, R-CHAT-6: the signed-in person joins through the link by acknowledging
        the chat's current rules; one use counted per new membership."""
        async with self._db.transaction("join_by_chat_link") as conn:
            link = await self._look_up(conn, token, client_address)
            view = await self._join(conn, link, principal, rules_version) if link is not None else None
        if view is None:
            raise NotFound(LINK_NOT_FOUND)
        return view

    async def _join(
        self, conn: AsyncConnection, link: Row[Any], principal: Principal, rules_version: int
    ) -> ChatView:
        user = uuid.UUID(principal.user_id)
        now = datetime.now(UTC)
        standing = await self._access.chat_standing(conn, link.chat_id, user, now)
        assert standing is not None
        chat = standing.chat
        person = standing.person
        if not person.is_member:
            raise RuleRefused(NOT_IN_ORGANISATION, rule=RULE)
        if standing.membership is not None:  # already in: nothing to do, no use counted
            return await self._chats.view(conn, ChatAccess(chat, person, standing.membership, invited=False))
        refusal = link_refusal(link, now)
        if refusal is not None:
            raise refusal
        access = ChatAccess(chat, person, None, invited=False, block_ends_at=standing.block_ends_at)
        if not access.in_audience:
            raise PermissionDenied(NOT_IN_AUDIENCE, rule="R-CHAT-1")
        access.require_not_blocked()
        check_rules_acknowledged(chat.rules_version, rules_version)
        # The new membership and its `member.joined` are undone with the transaction when the use
        # cannot be counted.
        if await self._chats.add_joined(
            conn, chat, user, rules_version
        ) and not await self._store.count_link_use(conn, link.id):
            # Another join took the last use (or the link ended) meanwhile: this one is undone.
            fresh = await self._store.get_link(conn, link.id)
            refusal = link_refusal(fresh, datetime.now(UTC)) if fresh is not None else None
            raise refusal or RuleRefused("Ссылка-приглашение в чат больше не действует", rule=RULE)
        await self._chats.settle_invitations(conn, chat.id, user, "accepted")
        membership = await self._access.membership(conn, chat.id, user)
        return await self._chats.view(conn, ChatAccess(chat, person, membership, invited=False))

    async def _look_up(
        self, conn: AsyncConnection, token: str, client_address: str | None
    ) -> Row[Any] | None:
        """The link of a token — a valid one always; an unknown one is counted against the client
        (address and token prefix) and refused with 429 past the limits."""

        async def find(token_hash: bytes) -> Row[Any] | None:
            return await self._store.link_by_hash(conn, token_hash)

        return await look_up(conn, token, client_address, find=find, failures=self._store.failures, rule=RULE)
