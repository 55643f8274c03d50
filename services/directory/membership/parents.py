"""Parents linked to their children (R-ROLE-6): one parent, children in several classes or schools.

The administrator, or the class teacher of the child's class, links a member holding the parent
role to a student — resolving the child's name the parent typed on joining, whose relation (мама,
папа, …) the link takes; staff see the links, a parent sees their own children."""

from __future__ import annotations

import uuid
from typing import Any, Protocol

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from parta.events.v1 import directory_pb2
from services.common.auth import Principal
from services.common.convert import parse_uuid
from services.common.db import Database
from services.common.errors import PermissionDenied, RuleRefused
from services.common.events import user_actor
from services.common.outbox import stage_event
from services.directory.membership.access import Access, is_staff
from services.directory.membership.kinship import ParentClaim
from services.directory.membership.store import MembershipStore


class ParentLinkStore(Protocol):
    """What linking a parent writes."""

    async def link_parent(
        self,
        conn: AsyncConnection,
        organisation_id: uuid.UUID,
        parent_id: uuid.UUID,
        child_id: uuid.UUID,
        relation: str = "",
    ) -> bool: ...


async def link_parent(
    store: ParentLinkStore,
    conn: AsyncConnection,
    organisation_id: uuid.UUID,
    parent_id: uuid.UUID,
    child_id: uuid.UUID,
    class_id: uuid.UUID,
    actor: str,
    relation: str = "",
    claim: ParentClaim | None = None,
) -> None:
    """Link a parent to a child (R-ROLE-6) and say so once; a repeated link changes nothing (but a
    relation said anew). `claim`: the parent's typed claim this link resolves (named in the event)."""
    if await store.link_parent(conn, organisation_id, parent_id, child_id, relation):
        await stage_event(
            conn,
            "directory.parent.linked",
            directory_pb2.ParentLinked(
                organisation_id=str(organisation_id),
                parent_id=str(parent_id),
                child_id=str(child_id),
                class_id=str(class_id),
                relation=relation,
                claimed_first_name=claim.child_first_name if claim is not None else "",
                claimed_last_name=claim.child_last_name if claim is not None else "",
            ),
            organisation_id=str(organisation_id),
            actor=user_actor(actor),
        )


class Parents:
    def __init__(self, db: Database, store: MembershipStore, access: Access) -> None:
        self._db = db
        self._store = store
        self._access = access

    async def link(
        self, principal: Principal, organisation_id: str, parent_id: str, child_id: str
    ) -> Row[Any]:
        org_id = parse_uuid(organisation_id, "организация")
        parent = parse_uuid(parent_id, "родитель")
        child = parse_uuid(child_id, "ученик")
        async with self._db.transaction("link_parent") as conn:
            roles = await self._access.require_member_or_operator(conn, org_id, principal)
            if not roles & {"administrator", "class_teacher"}:
                raise PermissionDenied(
                    "Родителя с ребёнком связывает администратор или классный руководитель"
                )
            class_id = await self._child_class(conn, org_id, child)
            led = await self._store.classes_led_by(conn, org_id, uuid.UUID(principal.user_id))
            if "administrator" not in roles and class_id not in led:
                raise PermissionDenied(
                    "Классный руководитель связывает родителей только учеников своего класса"
                )
            if "parent" not in await self._access.roles(conn, org_id, str(parent)):
                raise RuleRefused(
                    "Связать с ребёнком можно только участника с ролью родителя", rule="R-ROLE-6"
                )
            claim = await self._resolve_claim(conn, org_id, parent, class_id)
            relation = claim.relation if claim is not None else ""
            await link_parent(
                self._store, conn, org_id, parent, child, class_id, principal.user_id, relation, claim
            )
            links = await self._store.parent_links(conn, org_id, parent_id=parent, child_id=child)
        return links[0]

    async def list(
        self, principal: Principal, organisation_id: str, child_id: str, parent_id: str
    ) -> list[Row[Any]]:
        """Staff see every link (of a child, of a parent); a parent sees their own children."""
        org_id = parse_uuid(organisation_id, "организация")
        child = parse_uuid(child_id, "ученик") if child_id else None
        parent = parse_uuid(parent_id, "родитель") if parent_id else None
        async with self._db.transaction("list_parent_links") as conn:
            roles = await self._access.require_member_or_operator(conn, org_id, principal)
            if not is_staff(roles):
                if "parent" not in roles or (parent is not None and str(parent) != principal.user_id):
                    raise PermissionDenied(
                        "Связи родителей видят сотрудники; родитель — только своих детей",
                        rule="R-PRIV-1",
                    )
                parent = uuid.UUID(principal.user_id)
            return list(await self._store.parent_links(conn, org_id, parent_id=parent, child_id=child))

    async def _resolve_claim(
        self, conn: AsyncConnection, org_id: uuid.UUID, parent: uuid.UUID, class_id: uuid.UUID
    ) -> ParentClaim | None:
        """The parent's one typed claim in the child's class, which this link resolves: its relation
        carries over and the claim goes. Two claims there (twins typed apart): neither is guessed."""
        claims = [c for c in await self._store.parent_claims(conn, org_id, parent) if c.class_id == class_id]
        if len(claims) != 1:
            return None
        await self._store.delete_parent_claim(conn, claims[0])
        return ParentClaim(None, claims[0].child_first_name, claims[0].child_last_name, claims[0].relation)

    async def _child_class(self, conn: AsyncConnection, org_id: uuid.UUID, child: uuid.UUID) -> uuid.UUID:
        """The class of a student of the organisation (R-ROLE-5)."""
        class_id = await self._store.student_class(conn, org_id, child)
        if class_id is None or "student" not in await self._access.roles(conn, org_id, str(child)):
            raise RuleRefused("Родителя связывают с учеником этой организации", rule="R-ROLE-6")
        return class_id
