"""Invite links (R-INV-1, R-INV-2, R-INV-5): made by the administrator (any role) and by class
teachers (student and parent links for their own class); previewed without revealing members;
accepted by the invitee, which creates the membership.

How many times a link may be used (`use_limit`), when its maker does not say: a class's links are
meant for the whole class, shown on a screen or printed once for the parents' meeting, so they are
multi-use with a margin for late joiners, a second device, a changed phone —
- students: max(students in the class, 30) + 10, i.e. 40 for a class being built;
- parents: twice that (two parents per child, or a grandmother), i.e. 80 for a class being built;
- staff (the staff room): 1 — a staff link is for one named person.
An explicit `max_uses` (1..1000) always wins; a parent link made for one student keeps its default
from the class as well, its maker may set 1.

A token carries 192 random bits; look-ups go by its SHA-256. A link made one at a time (`create`:
a class's students' or parents' link, a staff-room link) also keeps its token, so that the people
who may make it — the administrator, a class teacher for the classes they lead — can show the link
and its QR code again (the list answer's token, only while the link is usable: `shown_token`).
The trade-off: a copy of the database (or its backup) holds usable links, which the SHA-256 alone
avoided. It is bounded: such a link is revocable at once (revoking clears the kept token, so does
"revoke all"), it expires (a week by default, at most 90 days), and a class's link only lets people
ask for the role it was made for in that class. The per-person links of a batch (`create_batch`,
the CSV handout) keep only the hash: they are shown once, in the file.

Guessing (`services/common/link_tokens.py`, shared with messaging's chat links): a valid token is
honoured before any limit; unknown ones are counted per (client address, token prefix) with a much
higher ceiling per address, so one client's wrong guesses do not lock out a school behind one NAT."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from services.common.auth import Principal
from services.common.convert import parse_uuid
from services.common.db import Database
from services.common.errors import (
    InvalidArgument,
    NotFound,
    PermissionDenied,
    RuleRefused,
)
from services.common.link_failures import look_up
from services.common.link_tokens import (
    RefusalTexts,
    expiry_days,
    explicit_use_limit,
    hash_token,
    new_token,
    unusable_refusal,
)
from services.directory.joining.parts import Members, Organisations
from services.directory.joining.store import JoiningStore
from services.directory.membership.access import Access
from services.directory.membership.enrolment import check_role_fits_class, enrol
from services.directory.membership.kinship import ParentClaim
from services.directory.organisations.parts import MyOrganisation

MAX_EXPIRY_DAYS = 90
CLASS_SIZE_FLOOR = 30
CLASS_MARGIN = 10
PARENTS_PER_STUDENT = 2
MAX_LABEL_LENGTH = 200
MAX_BATCH = 200
CLASS_TEACHER_ROLES = frozenset({"student", "parent"})
NOT_FOUND_MESSAGE = "Приглашение не найдено"


@dataclass(frozen=True)
class InviteSpec:
    """What a new link is for, as the caller asked it."""

    class_id: str
    role: str
    student_id: str = ""
    expires_in_days: int = 0
    max_uses: int = 0
    label: str = ""


@dataclass(frozen=True)
class CreatedInvite:
    invite: Row[Any]
    token: str


@dataclass(frozen=True)
class InvitePreview:
    organisation: Row[Any]
    class_name: str
    role: str
    expires_at: datetime


# --- pure rules ---------------------------------------------------------------------------------
REFUSALS = RefusalTexts(
    revoked="Приглашение отозвано",
    expired="Срок действия приглашения истёк",
    used_up="Приглашение уже использовано",
)


def lifetime_days(requested: int) -> int:
    """0 means the default week; at most 90 days (R-INV-2)."""
    return expiry_days(requested, maximum=MAX_EXPIRY_DAYS, rule="R-INV-2")


def default_use_limit(role: str, students_in_class: int) -> int:
    """A students' link fits the class with a margin, a parents' link twice that; a staff link is
    for one person (R-INV-2)."""
    class_size = max(students_in_class, CLASS_SIZE_FLOOR) + CLASS_MARGIN
    if role == "student":
        return class_size
    if role == "parent":
        return PARENTS_PER_STUDENT * class_size
    return 1


def use_limit(requested: int, role: str, students_in_class: int = 0) -> int:
    """0 means the default (`default_use_limit`); an explicit limit is 1..1000 and wins (R-INV-2)."""
    explicit = explicit_use_limit(requested, what="Число использований", rule="R-INV-2")
    return default_use_limit(role, students_in_class) if explicit is None else explicit


def clean_label(label: str) -> str:
    cleaned = " ".join(label.split())
    if len(cleaned) > MAX_LABEL_LENGTH:
        raise InvalidArgument(f"Метка ссылки: не длиннее {MAX_LABEL_LENGTH} символов")
    return cleaned


def unusable_reason(invite: Row[Any], now: datetime) -> RuleRefused | None:
    """Why a known link cannot be used any more — revoked, expired, used up — or None (R-INV-2)."""
    return unusable_refusal(
        invite.revoked_at,
        invite.expires_at,
        invite.uses,
        invite.max_uses,
        now,
        texts=REFUSALS,
        rule="R-INV-2",
    )


def shown_token(invite: Row[Any], now: datetime) -> str:
    """The kept token of a link, shown again to those who may see the list, while the link is
    usable; "" for batch links (never kept) and for revoked, expired or used-up ones."""
    if invite.token is None or unusable_reason(invite, now) is not None:
        return ""
    return str(invite.token)


def may_create(roles: frozenset[str], role: str, leads_class: bool) -> bool:
    """R-INV-1: the administrator makes any link; a class teacher student and parent links for
    the classes they lead."""
    return "administrator" in roles or (role in CLASS_TEACHER_ROLES and leads_class)


async def look_up_invite(
    store: JoiningStore, conn: AsyncConnection, token: str, client_address: str | None
) -> Row[Any] | None:
    """The link of a token — a valid one always; an unknown one is counted against the client
    (address and token prefix) and refused with 429 past the limits (R-INV-2). Every way a link
    is followed (its preview, acceptance, a parents' link's class roster) looks it up here."""

    async def find(token_hash: bytes) -> Row[Any] | None:
        return await store.invite_by_hash(conn, token_hash)

    return await look_up(conn, token, client_address, find=find, failures=store.failures, rule="R-INV-2")


class Invites:
    def __init__(
        self,
        db: Database,
        store: JoiningStore,
        members: Members,
        organisations: Organisations,
        access: Access,
    ) -> None:
        self._db = db
        self._store = store
        self._members = members
        self._organisations = organisations
        self._access = access

    # --- making links ---------------------------------------------------------------------------
    async def create(self, principal: Principal, organisation_id: str, spec: InviteSpec) -> CreatedInvite:
        org_id = parse_uuid(organisation_id, "организация")
        async with self._db.transaction("create_invite") as conn:
            klass = await self._authorise_creation(conn, org_id, principal, spec.class_id, spec.role)
            student_id = await self._check_student(conn, org_id, klass.id, spec)
            students = len(await self._members.students_of_class(conn, klass.id))
            return await self._insert(
                conn,
                principal,
                klass,
                spec.role,
                student_id=student_id,
                days=lifetime_days(spec.expires_in_days),
                max_uses=use_limit(spec.max_uses, spec.role, students),
                label=clean_label(spec.label),
                keep_token=True,
            )

    async def create_batch(
        self,
        principal: Principal,
        organisation_id: str,
        class_id: str,
        role: str,
        labels: list[str],
        expires_in_days: int,
    ) -> list[CreatedInvite]:
        """One single-use link per label, e.g. per student's name on a printed handout."""
        org_id = parse_uuid(organisation_id, "организация")
        cleaned = [clean_label(label) for label in labels]
        if not cleaned or len(cleaned) > MAX_BATCH or not all(cleaned):
            raise InvalidArgument(f"Нужны от 1 до {MAX_BATCH} непустых меток (например, ФИО)")
        days = lifetime_days(expires_in_days)
        async with self._db.transaction("create_invite_batch") as conn:
            klass = await self._authorise_creation(conn, org_id, principal, class_id, role)
            return [
                await self._insert(
                    conn,
                    principal,
                    klass,
                    role,
                    student_id=None,
                    days=days,
                    max_uses=1,
                    label=label,
                    keep_token=False,
                )
                for label in cleaned
            ]

    async def _authorise_creation(
        self, conn: AsyncConnection, org_id: uuid.UUID, principal: Principal, class_id: str, role: str
    ) -> Row[Any]:
        roles = await self._access.require_member_or_operator(conn, org_id, principal)
        klass = await self._class_of(conn, org_id, class_id)
        led = await self._members.classes_led_by(conn, org_id, uuid.UUID(principal.user_id))
        if not may_create(roles, role, klass.id in led):
            raise PermissionDenied(
                "Ссылки создаёт администратор; классный руководитель — только для учеников "
                "и родителей своего класса",
                rule="R-INV-1",
            )
        check_role_fits_class(role, klass.kind)
        return klass

    async def _check_student(
        self, conn: AsyncConnection, org_id: uuid.UUID, class_id: uuid.UUID, spec: InviteSpec
    ) -> uuid.UUID | None:
        """A parent link may name the student it is for, who must be in that class (R-ROLE-6)."""
        if not spec.student_id:
            return None
        if spec.role != "parent":
            raise InvalidArgument("Ученика указывают только в ссылке для родителя")
        student_id = parse_uuid(spec.student_id, "ученик")
        if await self._members.student_class(conn, org_id, student_id) != class_id:
            raise RuleRefused("Этот ученик не учится в этом классе", rule="R-ROLE-6")
        return student_id

    async def _insert(
        self,
        conn: AsyncConnection,
        principal: Principal,
        klass: Row[Any],
        role: str,
        *,
        student_id: uuid.UUID | None,
        days: int,
        max_uses: int,
        label: str,
        keep_token: bool,
    ) -> CreatedInvite:
        token = new_token()
        row = await self._store.insert_invite(
            conn,
            organisation_id=klass.organisation_id,
            class_id=klass.id,
            role=role,
            student_id=student_id,
            token_hash=hash_token(token),
            token=token if keep_token else None,
            label=label,
            created_by=uuid.UUID(principal.user_id),
            expires_at=datetime.now(UTC) + timedelta(days=days),
            max_uses=max_uses,
        )
        return CreatedInvite(row, token)

    # --- seeing and revoking links --------------------------------------------------------------
    async def list(
        self, principal: Principal, organisation_id: str, class_id: str, include_inactive: bool
    ) -> list[Row[Any]]:
        """The administrator sees every link; a class teacher those of the classes they lead."""
        org_id = parse_uuid(organisation_id, "организация")
        async with self._db.transaction("list_invites") as conn:
            roles = await self._access.require_member_or_operator(conn, org_id, principal)
            wanted = (await self._class_of(conn, org_id, class_id)).id if class_id else None
            if "administrator" in roles:
                class_ids = None if wanted is None else [wanted]
            elif "class_teacher" in roles:
                led = await self._members.classes_led_by(conn, org_id, uuid.UUID(principal.user_id))
                if wanted is not None and wanted not in led:
                    raise PermissionDenied("Ссылки класса видит его классный руководитель и администратор")
                class_ids = led if wanted is None else [wanted]
            else:
                raise PermissionDenied("Ссылки-приглашения видят администратор и классные руководители")
            rows = await self._store.list_invites(
                conn, org_id, class_ids=class_ids, include_inactive=include_inactive
            )
        return list(rows)

    async def revoke(self, principal: Principal, organisation_id: str, invite_id: str) -> Row[Any]:
        org_id = parse_uuid(organisation_id, "организация")
        wanted = parse_uuid(invite_id, "приглашение")
        async with self._db.transaction("revoke_invite") as conn:
            roles = await self._access.require_member_or_operator(conn, org_id, principal)
            invite = await self._store.get_invite(conn, wanted)
            if invite is None or invite.organisation_id != org_id:
                raise NotFound(NOT_FOUND_MESSAGE)
            led = await self._members.classes_led_by(conn, org_id, uuid.UUID(principal.user_id))
            if not may_create(roles, invite.role, invite.class_id in led):
                raise PermissionDenied(
                    "Отозвать ссылку может администратор или классный руководитель её класса"
                )
            return await self._store.revoke_invite(conn, wanted)

    async def revoke_all(self, principal: Principal, organisation_id: str) -> int:
        """R-INV-2: the administrator revokes every usable link at once (information security)."""
        org_id = parse_uuid(organisation_id, "организация")
        async with self._db.transaction("revoke_all_invites") as conn:
            await self._access.require_admin(conn, org_id, principal)
            return await self._store.revoke_active_invites(conn, org_id)

    # --- following a link -----------------------------------------------------------------------
    async def preview(self, token: str, client_address: str | None) -> InvitePreview:
        """What a link leads to — organisation, class, role, expiry — nothing about members."""
        async with self._db.transaction("preview_invite") as conn:
            invite = await self._look_up(conn, token, client_address)
            preview = await self._preview_of(conn, invite) if invite is not None else None
        if preview is None:
            raise NotFound(NOT_FOUND_MESSAGE)
        return preview

    async def _preview_of(self, conn: AsyncConnection, invite: Row[Any]) -> InvitePreview | None:
        refusal = unusable_reason(invite, datetime.now(UTC))
        if refusal is not None:
            raise refusal
        organisation = await self._organisations.get_organisation(conn, invite.organisation_id)
        klass = await self._organisations.get_class(conn, invite.class_id)
        if organisation is None or klass is None:
            return None
        return InvitePreview(organisation, klass.name, invite.role, invite.expires_at)

    async def accept(
        self,
        principal: Principal,
        token: str,
        client_address: str | None,
        claim: ParentClaim | None = None,
    ) -> MyOrganisation:
        """The signed-in invitee joins through the link (R-INV-5): one use counted, once per person;
        a parent says which child and who they are to them (`claim`, R-ROLE-6)."""
        user_id = uuid.UUID(principal.user_id)
        async with self._db.transaction("accept_invite") as conn:
            invite = await self._look_up(conn, token, client_address)
            if invite is not None:
                await self._join(conn, invite, user_id, principal.user_id, claim)
        if invite is None:
            raise NotFound(NOT_FOUND_MESSAGE)
        return await self._organisation_for(invite.organisation_id, user_id)

    async def _join(
        self,
        conn: AsyncConnection,
        invite: Row[Any],
        user_id: uuid.UUID,
        actor: str,
        claim: ParentClaim | None = None,
    ) -> None:
        if await self._store.has_accepted(conn, invite.id, user_id):
            if not await self._access.roles(conn, invite.organisation_id, actor):
                raise RuleRefused("Вы уже воспользовались этой ссылкой", rule="R-INV-2")
            return  # the same person accepting again changes nothing
        refusal = unusable_reason(invite, datetime.now(UTC))
        if refusal is not None:
            raise refusal
        if invite.student_id == user_id:
            raise RuleRefused("Эта ссылка — для родителя ученика, а не для него самого", rule="R-ROLE-6")
        if not await self._store.add_acceptance(conn, invite.id, user_id):
            return  # a concurrent acceptance by the same person won
        if not await self._store.count_invite_use(conn, invite.id):
            raise RuleRefused("Приглашение уже использовано", rule="R-INV-2")
        await enrol(
            self._members,
            self._organisations,
            conn,
            organisation_id=invite.organisation_id,
            user_id=user_id,
            role=invite.role,
            class_id=invite.class_id,
            actor=actor,
            via="invite",
            child_id=invite.student_id,
            claim=claim if invite.role == "parent" else None,
        )

    async def _look_up(
        self, conn: AsyncConnection, token: str, client_address: str | None
    ) -> Row[Any] | None:
        return await look_up_invite(self._store, conn, token, client_address)

    async def _organisation_for(self, org_id: uuid.UUID, user_id: uuid.UUID) -> MyOrganisation:
        async with self._db.transaction("invite_organisation") as conn:
            organisation = await self._organisations.get_organisation(conn, org_id)
            membership = await self._members.membership(conn, org_id, user_id)
        if organisation is None:
            raise NotFound("Организация не найдена")
        return MyOrganisation(organisation, frozenset(membership.roles if membership is not None else ()))

    async def _class_of(self, conn: AsyncConnection, org_id: uuid.UUID, class_id: str) -> Row[Any]:
        klass = await self._organisations.get_class(conn, parse_uuid(class_id, "класс"))
        if klass is None or klass.organisation_id != org_id:
            raise NotFound("Класс не найден")
        return klass
