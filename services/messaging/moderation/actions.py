"""Moderation (R-MOD-1..5): moderators, deleting messages with a cited rule, violations with the
member's reminder, blocks (more than three violations, at most 30 days, lifting themselves), early
unblock, removal with a cited rule, and the append-only audit log of all of it.

Who acts: the chat's moderators (its creator and those named since, R-MOD-1) and the organisation's
administrators. To them the moderation calls answer; to the chat's other members (and anyone else who
may see the chat) they are PERMISSION_DENIED; to anyone else the chat does not exist (NOT_FOUND)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from parta.events.v1 import messaging_pb2 as events
from services.common.auth import Principal
from services.common.convert import parse_uuid
from services.common.db import Database
from services.common.errors import AlreadyExists, InvalidArgument, NotFound, PermissionDenied, RuleRefused
from services.common.events import user_actor
from services.common.outbox import stage_event
from services.messaging.chats.parts import CHAT_NOT_FOUND, MESSAGE_DELETED, Access, Live, MessageLookup
from services.messaging.moderation.parts import Moderator, may_moderate
from services.messaging.moderation.rules import (
    AUDIT_PAGE_LIMIT,
    block_end,
    check_may_block,
    clean_comment,
    clean_reason,
    may_be_named_moderator,
    rule_text,
)
from services.messaging.moderation.store import ModerationStore

MEMBER_NOT_FOUND = "В этом чате нет такого участника"
NOT_A_MODERATOR = "Это делают модераторы чата и администраторы организации"

MODERATOR_NAMED = "moderator.named"
MESSAGE_REMOVED = "message.removed"
VIOLATION_RECORDED = "violation.recorded"
MEMBER_BLOCKED = "member.blocked"
BLOCK_LIFTED = "block.lifted"
MEMBER_REMOVED = "member.removed"


def now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class AuditPage:
    entries: list[Row[Any]]
    next_before: int


async def moderator_of(
    store: ModerationStore, access: Access, conn: AsyncConnection, chat_id: str, principal: Principal
) -> Moderator:
    """The caller as a moderator of the chat; 403 to the chat's other people, 404 to anyone else."""
    chat = await access.get_chat(conn, parse_uuid(chat_id, "chat_id"))
    if chat is None:
        raise NotFound(CHAT_NOT_FOUND)
    user = uuid.UUID(principal.user_id)
    person = await access.person(conn, chat.organisation_id, user)
    if not person.is_member:
        raise NotFound(CHAT_NOT_FOUND)
    if may_moderate(person, chat.created_by, await store.is_named_moderator(conn, chat.id, user)):
        return Moderator(chat, person)
    await access.chat_access(conn, chat_id, principal)  # NOT_FOUND unless the chat is theirs to see
    raise PermissionDenied(NOT_A_MODERATOR, rule="R-MOD-1")


class Memberships(Protocol):
    """What removing a member needs of chats (main passes chats' `store.ChatStore`)."""

    async def remove_memberships(
        self, conn: AsyncConnection, user_id: uuid.UUID, chat_ids: Iterable[uuid.UUID]
    ) -> list[uuid.UUID]: ...


class Moderation:
    def __init__(
        self,
        db: Database,
        store: ModerationStore,
        access: Access,
        chats: Memberships,
        messages: MessageLookup,
        live: Live,
    ) -> None:
        self._db = db
        self._store = store
        self._access = access
        self._chats = chats
        self._messages = messages
        self._live = live

    async def moderator_of(self, conn: AsyncConnection, chat_id: str, principal: Principal) -> Moderator:
        """The caller as a moderator of the chat (`parts.Moderators`, for chat links too)."""
        return await moderator_of(self._store, self._access, conn, chat_id, principal)

    async def _audit(self, conn: AsyncConnection, mod: Moderator, action: str, **values: Any) -> Row[Any]:
        """R-MOD-5: every action goes into the append-only audit log (and out as an event)."""
        entry = await self._store.audit(
            conn,
            chat_id=mod.chat.id,
            organisation_id=mod.chat.organisation_id,
            actor_id=mod.user_id,
            action=action,
            **values,
        )
        await stage_event(
            conn,
            "messaging.moderation.recorded",
            events.ModerationRecorded(
                organisation_id=str(mod.chat.organisation_id),
                chat_id=str(mod.chat.id),
                audit_id=entry.id,
                actor_id=str(mod.user_id),
                action=action,
                target_user_id=str(entry.target_user_id or ""),
                rule=entry.rule or 0,
            ),
            organisation_id=str(mod.chat.organisation_id),
            actor=user_actor(str(mod.user_id)),
        )
        return entry

    async def _member(self, conn: AsyncConnection, mod: Moderator, user_id: str) -> uuid.UUID:
        """A current member of the chat other than the acting moderator."""
        target = parse_uuid(user_id, "user_id")
        if target == mod.user_id:
            raise InvalidArgument("Модератор не применяет меры к самому себе")
        if await self._access.membership(conn, mod.chat.id, target) is None:
            raise NotFound(MEMBER_NOT_FOUND)
        return target

    # --- R-MOD-1 ---------------------------------------------------------------------------------
    async def name_moderator(self, principal: Principal, chat_id: str, user_id: str) -> Row[Any]:
        """R-MOD-1: a moderator (or administrator) names another of the chat's staff members."""
        async with self._db.transaction("name_moderator") as conn:
            mod = await self.moderator_of(conn, chat_id, principal)
            target = parse_uuid(user_id, "user_id")
            member = await self._access.membership(conn, mod.chat.id, target) is not None
            if not member:
                raise NotFound(MEMBER_NOT_FOUND)
            person = await self._access.person(conn, mod.chat.organisation_id, target)
            if not may_be_named_moderator(person, member):
                raise RuleRefused(
                    "Модераторами назначают сотрудников, которые состоят в чате", rule="R-MOD-1"
                )
            if await self._store.name_moderator(conn, mod.chat.id, target, mod.user_id):
                await self._audit(conn, mod, MODERATOR_NAMED, target_user_id=target)
            row = await self._store.get_moderator(conn, mod.chat.id, target)
            assert row is not None
            return row

    async def remove_message(
        self, principal: Principal, chat_id: str, seq: int, rule: int, reason: str
    ) -> Row[Any]:
        """R-MOD-1, R-MOD-5: a moderator deletes a message citing a rule; the tombstone keeps who and
        why, and members' sockets get `message.deleted` as for any delete."""
        why = clean_reason(reason)
        async with self._db.transaction("remove_message") as conn:
            mod = await self.moderator_of(conn, chat_id, principal)
            rule_text(list(mod.chat.rules), rule)
            row = await self._messages.get_message(conn, mod.chat.id, seq, for_update=True)
            if row is None:
                raise NotFound("Сообщение не найдено")
            if row.deleted_at is not None:
                return row
            row = await self._store.moderate_message(conn, mod.chat.id, seq, mod.user_id, rule, why)
            await self._audit(
                conn,
                mod,
                MESSAGE_REMOVED,
                target_user_id=row.author_id,
                message_seq=seq,
                rule=rule,
                reason=why,
            )
        await self._live.message(MESSAGE_DELETED, row)
        return row

    # --- R-MOD-2 ---------------------------------------------------------------------------------
    async def record_violation(
        self, principal: Principal, chat_id: str, user_id: str, rule: int, comment: str
    ) -> Row[Any]:
        """R-MOD-2: a violation cites a rule of the chat's current rules; the member reads it (with the
        rule's text: the reminder) in their own violations list."""
        note = clean_comment(comment)
        async with self._db.transaction("record_violation") as conn:
            mod = await self.moderator_of(conn, chat_id, principal)
            text = rule_text(list(mod.chat.rules), rule)
            target = await self._member(conn, mod, user_id)
            row = await self._store.insert_violation(
                conn,
                chat_id=mod.chat.id,
                user_id=target,
                rule=rule,
                rule_text=text,
                comment=note,
                recorded_by=mod.user_id,
            )
            await self._audit(conn, mod, VIOLATION_RECORDED, target_user_id=target, rule=rule, reason=note)
            return row

    async def violations(self, principal: Principal, chat_id: str, user_id: str) -> list[Row[Any]]:
        """Moderators and administrators: everyone's, or one member's. A member: their own
        (the reminders of R-MOD-2); asking for someone else's is PERMISSION_DENIED."""
        target = parse_uuid(user_id, "user_id") if user_id else None
        async with self._db.transaction("list_violations") as conn:
            try:
                mod = await self.moderator_of(conn, chat_id, principal)
                chat = mod.chat
            except PermissionDenied:
                me = uuid.UUID(principal.user_id)
                if target not in (None, me):
                    raise
                chat = (await self._access.chat_access(conn, chat_id, principal)).chat
                target = me
            return list(await self._store.violations(conn, chat.id, target))

    # --- R-MOD-3, R-MOD-4 ------------------------------------------------------------------------
    async def block(
        self, principal: Principal, chat_id: str, user_id: str, days: int, reason: str
    ) -> Row[Any]:
        """R-MOD-3: only after more than three recorded violations in this chat, for 1..30 days."""
        why = clean_reason(reason)
        async with self._db.transaction("block_member") as conn:
            mod = await self.moderator_of(conn, chat_id, principal)
            target = await self._member(conn, mod, user_id)
            check_may_block(await self._store.violation_count(conn, mod.chat.id, target), days)
            starts = now()
            current = await self._store.active_block(conn, mod.chat.id, target, starts)
            if current is not None:
                raise AlreadyExists(f"Участник уже заблокирован до {current.ends_at:%Y-%m-%d}")
            row = await self._store.insert_block(
                conn,
                chat_id=mod.chat.id,
                user_id=target,
                blocked_by=mod.user_id,
                reason=why,
                starts_at=starts,
                ends_at=block_end(starts, days),
            )
            await self._audit(
                conn, mod, MEMBER_BLOCKED, target_user_id=target, reason=why, block_ends_at=row.ends_at
            )
            return row

    async def blocks(self, principal: Principal, chat_id: str, user_id: str) -> list[Row[Any]]:
        """R-MOD-3: the blocks holding now. Moderators and administrators: everyone's, or one
        member's; a member: their own (so the composer can say until when)."""
        target = parse_uuid(user_id, "user_id") if user_id else None
        async with self._db.transaction("list_blocks") as conn:
            try:
                chat = (await self.moderator_of(conn, chat_id, principal)).chat
            except PermissionDenied:
                me = uuid.UUID(principal.user_id)
                if target not in (None, me):
                    raise
                chat = (await self._access.chat_access(conn, chat_id, principal)).chat
                target = me
            return list(await self._store.active_blocks(conn, chat.id, target, now()))

    async def lift_block(self, principal: Principal, chat_id: str, user_id: str, reason: str) -> Row[Any]:
        """R-MOD-4: a moderator lifts a block early, saying why."""
        why = clean_reason(reason)
        async with self._db.transaction("lift_block") as conn:
            mod = await self.moderator_of(conn, chat_id, principal)
            target = parse_uuid(user_id, "user_id")
            current = await self._store.active_block(conn, mod.chat.id, target, now())
            if current is None:
                raise NotFound("У участника нет действующей блокировки в этом чате")
            row = await self._store.lift_block(conn, current.id, mod.user_id, why)
            await self._audit(conn, mod, BLOCK_LIFTED, target_user_id=target, reason=why)
            return row

    # --- R-MOD-5 ---------------------------------------------------------------------------------
    async def remove_member(
        self, principal: Principal, chat_id: str, user_id: str, rule: int, reason: str
    ) -> Row[Any]:
        """R-MOD-5: removal cites a rule of the chat and a reason; the member's sockets drop the chat."""
        why = clean_reason(reason)
        async with self._db.transaction("remove_member") as conn:
            mod = await self.moderator_of(conn, chat_id, principal)
            rule_text(list(mod.chat.rules), rule)
            target = await self._member(conn, mod, user_id)
            await self._chats.remove_memberships(conn, target, [mod.chat.id])
            await self._store.drop_moderator(conn, mod.chat.id, target)
            await stage_event(
                conn,
                "messaging.member.removed",
                events.MemberRemovedFromChat(
                    organisation_id=str(mod.chat.organisation_id),
                    chat_id=str(mod.chat.id),
                    user_id=str(target),
                    reason="moderation",
                ),
                organisation_id=str(mod.chat.organisation_id),
                actor=user_actor(str(mod.user_id)),
            )
            entry = await self._audit(conn, mod, MEMBER_REMOVED, target_user_id=target, rule=rule, reason=why)
        await self._live.members_removed([(mod.chat.id, target)])
        return entry

    async def audit(self, principal: Principal, chat_id: str, before: int, limit: int) -> AuditPage:
        """R-MOD-5: the log, newest first, to the chat's moderators and the organisation's
        administrators."""
        if before < 0:
            raise InvalidArgument("before — номер записи журнала")
        if limit < 0 or limit > AUDIT_PAGE_LIMIT:
            raise InvalidArgument(f"limit: от 1 до {AUDIT_PAGE_LIMIT}")
        async with self._db.transaction("moderation_audit") as conn:
            mod = await self.moderator_of(conn, chat_id, principal)
            rows, more = await self._store.audit_page(conn, mod.chat.id, before=before, limit=limit or 50)
        return AuditPage(rows, int(rows[-1].id) if more and rows else 0)
