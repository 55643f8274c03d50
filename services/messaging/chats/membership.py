"""Chats and channels, membership and invitations (R-CHAT-1, R-CHAT-2, R-CHAT-4, R-CHAT-5, R-ORG-5)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from parta.events.v1 import messaging_pb2 as events
from services.common.auth import Principal
from services.common.convert import parse_uuid
from services.common.db import Database
from services.common.errors import AlreadyExists, InvalidArgument, NotFound, PermissionDenied, RuleRefused
from services.common.events import service_actor, user_actor
from services.common.outbox import stage_event
from services.messaging.chats.access import Access
from services.messaging.chats.parts import (
    CHAT_NOT_FOUND,
    ChatAccess,
    ChatView,
    MessagePreview,
    Rights,
    shape_of,
)
from services.messaging.chats.rules import (
    CLASS_KINDS,
    DEFAULT_RULES,
    KINDS,
    SYSTEM_CHANNELS,
    ChatShape,
    check_may_create,
    clean_rules,
    clean_title,
    in_audience,
    may_join_alone,
    may_post,
)
from services.messaging.chats.store import ChatStore
from services.messaging.moderation.parts import NamedModerators, may_moderate
from services.messaging.readmodel.people import Person
from services.messaging.readmodel.store import ReadModelStore

MAX_INVITEES = 200
DEFAULT_TITLES = {
    "class": "{cls}: класс",
    "parents": "{cls}: родители",
    "class_staff": "{cls}: педагоги класса",
    "subject": "{cls}: {subject}",
}


def preview_of(row: Row[Any]) -> MessagePreview | None:
    """The preview columns of a row of `my_chats`, or None for a chat without messages."""
    if row.last_message_seq is None:
        return None
    deleted = row.last_deleted_at is not None
    return MessagePreview(
        seq=int(row.last_message_seq),
        author_id=row.last_author_id,
        text="" if deleted else row.last_text,
        created_at=row.last_created_at,
        deleted=deleted,
        has_attachments=bool(row.last_has_attachments) and not deleted,
        is_poll=bool(row.last_is_poll) and not deleted,
    )


@dataclass(frozen=True)
class NewChat:
    organisation_id: str
    kind: str
    title: str = ""
    class_id: str = ""
    subject: str = ""
    staff_only: bool = False
    rules: tuple[str, ...] = ()


async def view_of(store: ChatStore, conn: AsyncConnection, access: ChatAccess) -> ChatView:
    return ChatView(
        chat=access.chat,
        member=access.membership is not None,
        last_read_seq=int(access.membership.last_read_seq) if access.membership is not None else 0,
        may_post=access.may_post,
        member_count=await store.member_count(conn, access.chat.id),
    )


async def stage_joined(conn: AsyncConnection, chat: Row[Any], user_id: uuid.UUID, rules_version: int) -> None:
    await stage_event(
        conn,
        "messaging.member.joined",
        events.MemberJoinedChat(
            organisation_id=str(chat.organisation_id),
            chat_id=str(chat.id),
            user_id=str(user_id),
            rules_version=rules_version,
        ),
        organisation_id=str(chat.organisation_id),
        actor=user_actor(str(user_id)),
    )


async def ensure_system_channels(store: ChatStore, conn: AsyncConnection, organisation_id: uuid.UUID) -> int:
    """R-ORG-5: «Общешкольный канал» (everyone) and «Сотрудники» (staff); a unique key on
    (organisation, system kind) makes a repeated call create nothing. Returns how many were created."""
    created = 0
    for system_kind, title, staff_only in SYSTEM_CHANNELS:
        row = await store.insert_chat(
            conn,
            organisation_id=organisation_id,
            kind="channel",
            title=title,
            system_kind=system_kind,
            staff_only=staff_only,
            rules=list(DEFAULT_RULES),
        )
        if row is None:
            continue
        created += 1
        await stage_event(
            conn,
            "messaging.chat.created",
            events.ChatCreated(
                organisation_id=str(organisation_id),
                chat_id=str(row.id),
                kind="channel",
                system_kind=system_kind,
            ),
            organisation_id=str(organisation_id),
            actor=service_actor("messaging"),
        )
    return created


class Chats:
    def __init__(
        self,
        db: Database,
        store: ChatStore,
        access: Access,
        directory: ReadModelStore,
        moderators: NamedModerators,
    ) -> None:
        self._db = db
        self._store = store
        self._access = access
        self._directory = directory
        self._moderators = moderators

    # --- what joining through a chat link asks (links/joining.py `ChatJoins`) ----------------------
    async def add_joined(
        self, conn: AsyncConnection, chat: Row[Any], user_id: uuid.UUID, rules_version: int
    ) -> bool:
        """A new member who acknowledged `rules_version`, `member.joined` staged; False: one already."""
        if not await self._store.add_member(conn, chat.id, user_id, rules_version):
            return False
        await stage_joined(conn, chat, user_id, rules_version)
        return True

    async def settle_invitations(
        self, conn: AsyncConnection, chat_id: uuid.UUID, user_id: uuid.UUID, status: str
    ) -> None:
        await self._store.settle_invitations(conn, chat_id, user_id, status)

    async def view(self, conn: AsyncConnection, access: ChatAccess) -> ChatView:
        return await view_of(self._store, conn, access)

    async def create(self, principal: Principal, new: NewChat) -> ChatView:
        if new.kind not in KINDS:
            raise InvalidArgument("Неизвестный вид чата")
        rules = clean_rules(list(new.rules))
        user = uuid.UUID(principal.user_id)
        async with self._db.transaction("create_chat") as conn:
            person = await self._access.organisation_person(conn, new.organisation_id, principal)
            org_id = parse_uuid(new.organisation_id, "organisation_id")
            class_id: uuid.UUID | None = None
            subject = ""
            title = new.title
            if new.kind in CLASS_KINDS:
                class_id = parse_uuid(new.class_id, "class_id")
                klass = await self._directory.get_class(conn, class_id)
                if klass is None or klass.organisation_id != org_id or klass.kind == "staff_room":
                    raise NotFound("Класс не найден")
                if new.kind == "subject":
                    subject = " ".join(new.subject.split())
                    if not subject:
                        raise InvalidArgument("Для предметного чата нужен предмет")
                title = title or DEFAULT_TITLES[new.kind].format(cls=klass.name, subject=subject)
            shape = ChatShape(new.kind, class_id, subject, new.staff_only and new.kind == "channel")
            check_may_create(person, shape)
            row = await self._store.insert_chat(
                conn,
                organisation_id=org_id,
                kind=new.kind,
                title=clean_title(title),
                class_id=class_id,
                subject=subject,
                staff_only=shape.staff_only,
                created_by=user,
                rules=rules,
            )
            if row is None:
                raise AlreadyExists("У этого класса уже есть такой чат")
            await self._store.add_member(conn, row.id, user, row.rules_version)
            await stage_event(
                conn,
                "messaging.chat.created",
                events.ChatCreated(
                    organisation_id=str(org_id),
                    chat_id=str(row.id),
                    kind=new.kind,
                    class_id=str(class_id or ""),
                    created_by=str(user),
                ),
                organisation_id=str(org_id),
                actor=user_actor(principal.user_id),
            )
            await stage_joined(conn, row, user, row.rules_version)
            return ChatView(row, True, 0, may_post(person, shape), 1)

    async def get(self, principal: Principal, chat_id: str) -> ChatView:
        async with self._db.transaction("get_chat") as conn:
            return await view_of(self._store, conn, await self._access.chat_access(conn, chat_id, principal))

    async def rights(self, principal: Principal, chat_id: str) -> Rights:
        """The caller's standing in the chat now (R-MEDIA-3 asks it before a call): NOT_FOUND unless
        the chat is theirs to see; a member reads it, a block (R-MOD-3) silences, moderators and
        administrators moderate (R-MOD-1)."""
        async with self._db.transaction("chat_standing") as conn:
            access = await self._access.chat_access(conn, chat_id, principal)
            chat = access.chat
            named = await self._moderators.is_named_moderator(conn, chat.id, access.person.user_id)
            member = access.membership is not None
            return Rights(
                chat=chat,
                may_read=member,
                may_post=access.may_post,
                blocked=access.block_ends_at is not None,
                may_moderate=member and may_moderate(access.person, chat.created_by, named),
            )

    async def mine(self, principal: Principal, organisation_id: str) -> list[ChatView]:
        user = uuid.UUID(principal.user_id)
        org_id = parse_uuid(organisation_id, "organisation_id") if organisation_id else None
        async with self._db.transaction("my_chats") as conn:
            rows = await self._store.my_chats(conn, user, org_id)
            people: dict[uuid.UUID, Person] = {}
            views = []
            for row in rows:
                if row.organisation_id not in people:
                    people[row.organisation_id] = await self._access.person(conn, row.organisation_id, user)
                views.append(
                    ChatView(
                        chat=row,
                        member=True,
                        last_read_seq=int(row.last_read_seq),
                        may_post=may_post(people[row.organisation_id], shape_of(row)),
                        member_count=int(row.member_count),
                        last_message=preview_of(row),
                    )
                )
            return views

    async def joinable(self, principal: Principal, organisation_id: str) -> list[ChatView]:
        async with self._db.transaction("joinable_chats") as conn:
            person = await self._access.organisation_person(conn, organisation_id, principal)
            views = []
            for row in await self._store.organisation_chats(
                conn, parse_uuid(organisation_id, "organisation_id")
            ):
                if not may_join_alone(person, shape_of(row)):
                    continue
                if await self._access.membership(conn, row.id, person.user_id) is not None:
                    continue
                views.append(ChatView(row, False, 0, False, await self._store.member_count(conn, row.id)))
            return views

    async def _join(self, conn: AsyncConnection, access: ChatAccess, rules_version: int) -> ChatView:
        chat = access.chat
        if rules_version != chat.rules_version:
            raise RuleRefused(
                "Прежде чем вступить, прочитайте правила чата и подтвердите их "
                f"(версия {chat.rules_version})",
                rule="R-CHAT-5",
            )
        user = access.person.user_id
        if await self._store.add_member(conn, chat.id, user, rules_version):
            await stage_joined(conn, chat, user, rules_version)
        await self._store.settle_invitations(conn, chat.id, user, "accepted")
        membership = await self._access.membership(conn, chat.id, user)
        return await view_of(self._store, conn, ChatAccess(chat, access.person, membership, invited=False))

    async def join(self, principal: Principal, chat_id: str, rules_version: int) -> ChatView:
        """R-CHAT-4, R-CHAT-5: the audience (or an invitee) joins by acknowledging the current rules."""
        async with self._db.transaction("join_chat") as conn:
            access = await self._access.chat_access(conn, chat_id, principal)
            if access.membership is not None:
                return await view_of(self._store, conn, access)
            if not (access.may_join_alone or access.invited):
                raise NotFound(CHAT_NOT_FOUND)
            return await self._join(conn, access, rules_version)

    async def members(self, principal: Principal, chat_id: str) -> list[Row[Any]]:
        """R-PRIV-1: the members of a chat are visible to its members."""
        async with self._db.transaction("chat_members") as conn:
            (await self._access.chat_access(conn, chat_id, principal)).require_member()
            return list(await self._store.members(conn, parse_uuid(chat_id, "chat_id")))

    # --- invitations (R-CHAT-4) ---------------------------------------------------------------
    async def _class_audience(self, conn: AsyncConnection, chat: Row[Any]) -> list[uuid.UUID]:
        if chat.class_id is None:
            raise InvalidArgument("«Пригласить весь класс» есть только у чатов класса")
        if chat.kind in ("class", "subject"):
            return await self._directory.students_of_class(conn, chat.class_id)
        if chat.kind == "parents":
            return await self._directory.parents_of_class(conn, chat.class_id)
        return await self._directory.subject_teachers_of_class(conn, chat.class_id)

    async def invite(
        self, principal: Principal, chat_id: str, user_ids: list[str], whole_class: bool
    ) -> list[Row[Any]]:
        """Invitations the invitees accept or decline; never a membership (R-CHAT-4)."""
        if whole_class == bool(user_ids):
            raise InvalidArgument("Укажите либо людей (user_ids), либо весь класс (whole_class)")
        if len(user_ids) > MAX_INVITEES:
            raise InvalidArgument(f"Не больше {MAX_INVITEES} приглашений за раз")
        async with self._db.transaction("invite_to_chat") as conn:
            access = await self._access.chat_access(conn, chat_id, principal)
            access.require_member()
            if not access.person.is_staff:
                raise PermissionDenied("Приглашают в чат сотрудники, которые в нём состоят")
            chat = access.chat
            if whole_class:
                targets = await self._class_audience(conn, chat)
            else:
                targets = list(dict.fromkeys(parse_uuid(value, "user_ids") for value in user_ids))
            members = await self._store.member_ids(conn, chat.id)
            shape = shape_of(chat)
            created = []
            for target in targets:
                if target in members:
                    continue
                person = await self._access.person(conn, chat.organisation_id, target)
                if not in_audience(person, shape):
                    if whole_class:
                        continue
                    # R-INV-5, R-PRIV-1: no one outside the chat's audience, and no hint who exists.
                    raise NotFound("Среди тех, кого можно пригласить в этот чат, такого человека нет")
                row = await self._store.insert_invitation(conn, chat.id, target, access.person.user_id)
                if row is not None:
                    created.append(row)
            ids = [row.id for row in created]
            return [await self._invitation(conn, invitation_id) for invitation_id in ids]

    async def _invitation(self, conn: AsyncConnection, invitation_id: uuid.UUID) -> Row[Any]:
        row = await self._store.get_invitation(conn, invitation_id)
        assert row is not None
        return row

    async def my_invitations(self, principal: Principal) -> list[Row[Any]]:
        async with self._db.transaction("my_chat_invitations") as conn:
            return list(await self._store.pending_invitations(conn, uuid.UUID(principal.user_id)))

    async def _own_pending(self, conn: AsyncConnection, principal: Principal, invitation_id: str) -> Row[Any]:
        row = await self._store.get_invitation(
            conn, parse_uuid(invitation_id, "invitation_id"), for_update=True
        )
        if row is None or str(row.user_id) != principal.user_id:
            raise NotFound("Приглашение не найдено")
        if row.status != "pending":
            raise RuleRefused("Это приглашение уже не действует", rule="R-CHAT-4")
        return row

    async def accept(self, principal: Principal, invitation_id: str, rules_version: int) -> ChatView:
        async with self._db.transaction("accept_chat_invitation") as conn:
            invitation = await self._own_pending(conn, principal, invitation_id)
            access = await self._access.chat_access(conn, str(invitation.chat_id), principal)
            if not in_audience(access.person, access.shape):
                raise NotFound(CHAT_NOT_FOUND)
            return await self._join(conn, access, rules_version)

    async def decline(self, principal: Principal, invitation_id: str) -> Row[Any]:
        async with self._db.transaction("decline_chat_invitation") as conn:
            invitation = await self._own_pending(conn, principal, invitation_id)
            await self._store.decide_invitation(conn, invitation.id, "declined")
            return await self._invitation(conn, invitation.id)
