"""All of identity's SQL. Every method takes the connection of a transaction the caller opened
with `Database.transaction(name)`; nothing here decides a rule."""

from __future__ import annotations

import uuid
import zlib
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Row, and_, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.identity.codes import RecentCodes
from services.identity.schema import (
    dev_mailbox,
    login_codes,
    org_roles,
    parent_relations,
    refresh_tokens,
    role_verifications,
    sessions,
    signing_keys,
    users,
)

HOUR = timedelta(hours=1)


def claim_key(first_name: str, last_name: str) -> str:
    """The read model's key of a typed claim (a child not yet linked by id)."""
    return f"name:{first_name} {last_name}".lower()


class IdentityStore:
    # --- one-time codes -------------------------------------------------------------------
    async def lock_destination(self, conn: AsyncConnection, destination: str) -> None:
        """Serialise code requests for one destination (a transaction-scoped advisory lock)."""
        await conn.execute(
            text("SELECT pg_advisory_xact_lock(:ns, :key)"),
            {"ns": 1, "key": zlib.crc32(destination.encode()) - 2**31},
        )

    async def recent_codes(
        self, conn: AsyncConnection, destination: str, address: str, now: datetime
    ) -> RecentCodes:
        since = now - HOUR
        dest = (
            await conn.execute(
                select(
                    func.max(login_codes.c.created_at), func.count(), func.min(login_codes.c.created_at)
                ).where(login_codes.c.destination == destination, login_codes.c.created_at > since)
            )
        ).one()
        addr = (
            await conn.execute(
                select(func.count(), func.min(login_codes.c.created_at)).where(
                    login_codes.c.client_address == address, login_codes.c.created_at > since
                )
            )
        ).one()
        return RecentCodes(
            last_to_destination=dest[0],
            hour_to_destination=int(dest[1]),
            oldest_in_hour_to_destination=dest[2],
            hour_from_address=int(addr[0]),
            oldest_in_hour_from_address=addr[1],
        )

    async def insert_code(
        self,
        conn: AsyncConnection,
        *,
        code_id: uuid.UUID,
        destination: str,
        child_key: str | None,
        code_hash: bytes,
        address: str,
        now: datetime,
        expires_at: datetime,
    ) -> None:
        await conn.execute(
            login_codes.insert().values(
                id=code_id,
                destination=destination,
                child_key=child_key,
                code_hash=code_hash,
                client_address=address,
                created_at=now,
                expires_at=expires_at,
            )
        )

    async def delete_code(self, conn: AsyncConnection, code_id: uuid.UUID) -> None:
        await conn.execute(login_codes.delete().where(login_codes.c.id == code_id))

    async def latest_code(
        self, conn: AsyncConnection, destination: str, child_key: str | None
    ) -> Row[Any] | None:
        """The newest unconsumed code for a destination (and child), locked for the check."""
        child_match = (
            login_codes.c.child_key.is_(None) if child_key is None else login_codes.c.child_key == child_key
        )
        return (
            await conn.execute(
                select(login_codes)
                .where(
                    login_codes.c.destination == destination, child_match, login_codes.c.consumed_at.is_(None)
                )
                .order_by(login_codes.c.created_at.desc())
                .limit(1)
                .with_for_update()
            )
        ).first()

    async def count_failed_attempt(self, conn: AsyncConnection, code_id: uuid.UUID) -> int:
        attempts = await conn.scalar(
            update(login_codes)
            .where(login_codes.c.id == code_id)
            .values(attempts=login_codes.c.attempts + 1)
            .returning(login_codes.c.attempts)
        )
        return int(attempts or 0)

    async def consume_code(self, conn: AsyncConnection, code_id: uuid.UUID, now: datetime) -> None:
        await conn.execute(update(login_codes).where(login_codes.c.id == code_id).values(consumed_at=now))

    async def purge_codes(self, conn: AsyncConnection, older_than: datetime) -> None:
        await conn.execute(login_codes.delete().where(login_codes.c.created_at < older_than))

    # --- accounts -------------------------------------------------------------------------
    async def user_by_login(
        self, conn: AsyncConnection, *, phone: str | None = None, email: str | None = None
    ) -> Row[Any] | None:
        if phone is not None:
            return (await conn.execute(select(users).where(users.c.phone == phone))).first()
        return (await conn.execute(select(users).where(users.c.email == email))).first()

    async def child_user(self, conn: AsyncConnection, guardian_email: str, child_key: str) -> Row[Any] | None:
        return (
            await conn.execute(
                select(users).where(users.c.guardian_email == guardian_email, users.c.child_key == child_key)
            )
        ).first()

    async def create_user(self, conn: AsyncConnection, **values: Any) -> Row[Any]:
        result = await conn.execute(users.insert().values(id=uuid.uuid4(), **values).returning(users))
        return cast("Row[Any]", result.one())

    async def get_user(self, conn: AsyncConnection, user_id: uuid.UUID) -> Row[Any] | None:
        return (await conn.execute(select(users).where(users.c.id == user_id))).first()

    async def update_user(
        self, conn: AsyncConnection, user_id: uuid.UUID, values: dict[str, str]
    ) -> Row[Any]:
        result = await conn.execute(
            update(users).where(users.c.id == user_id).values(**values).returning(users)
        )
        return cast("Row[Any]", result.one())

    async def children_of(self, conn: AsyncConnection, email: str) -> Sequence[Row[Any]]:
        return (
            await conn.execute(
                select(users).where(users.c.guardian_email == email).order_by(users.c.created_at)
            )
        ).all()

    # --- sessions and refresh tokens ------------------------------------------------------
    async def create_session(
        self, conn: AsyncConnection, *, user_id: uuid.UUID, device_name: str, address: str, now: datetime
    ) -> uuid.UUID:
        session_id = uuid.uuid4()
        await conn.execute(
            sessions.insert().values(
                id=session_id,
                user_id=user_id,
                device_name=device_name,
                client_address=address,
                created_at=now,
                last_used_at=now,
            )
        )
        return session_id

    async def get_session(self, conn: AsyncConnection, session_id: uuid.UUID) -> Row[Any] | None:
        return (await conn.execute(select(sessions).where(sessions.c.id == session_id))).first()

    async def touch_session(self, conn: AsyncConnection, session_id: uuid.UUID, now: datetime) -> None:
        await conn.execute(update(sessions).where(sessions.c.id == session_id).values(last_used_at=now))

    async def revoke_session(
        self, conn: AsyncConnection, session_id: uuid.UUID, *, reason: str, now: datetime
    ) -> bool:
        """Revoke a live session; False when it was already revoked or does not exist."""
        result = await conn.execute(
            update(sessions)
            .where(sessions.c.id == session_id, sessions.c.revoked_at.is_(None))
            .values(revoked_at=now, revoke_reason=reason)
        )
        return result.rowcount > 0

    async def active_sessions(self, conn: AsyncConnection, user_id: uuid.UUID) -> Sequence[Row[Any]]:
        return (
            await conn.execute(
                select(sessions)
                .where(sessions.c.user_id == user_id, sessions.c.revoked_at.is_(None))
                .order_by(sessions.c.last_used_at.desc())
            )
        ).all()

    async def insert_refresh_token(
        self,
        conn: AsyncConnection,
        *,
        token_hash: bytes,
        session_id: uuid.UUID,
        now: datetime,
        expires_at: datetime,
    ) -> None:
        await conn.execute(
            refresh_tokens.insert().values(
                token_hash=token_hash, session_id=session_id, created_at=now, expires_at=expires_at
            )
        )

    async def refresh_token_for_update(self, conn: AsyncConnection, token_hash: bytes) -> Row[Any] | None:
        """The refresh token with its session (user, revocation) and the user's logins, locked."""
        result = (
            await conn.execute(
                select(
                    refresh_tokens.c.token_hash,
                    refresh_tokens.c.session_id,
                    refresh_tokens.c.expires_at,
                    refresh_tokens.c.used_at,
                    sessions.c.user_id,
                    sessions.c.revoked_at,
                    users.c.phone,
                    users.c.email,
                )
                .join(sessions, sessions.c.id == refresh_tokens.c.session_id)
                .join(users, users.c.id == sessions.c.user_id)
                .where(refresh_tokens.c.token_hash == token_hash)
                .with_for_update(of=[refresh_tokens, sessions])
            )
        ).first()
        return cast("Row[Any] | None", result)

    async def mark_refresh_token_used(self, conn: AsyncConnection, token_hash: bytes, now: datetime) -> None:
        await conn.execute(
            update(refresh_tokens).where(refresh_tokens.c.token_hash == token_hash).values(used_at=now)
        )

    # --- signing keys ---------------------------------------------------------------------
    async def lock_signing_keys(self, conn: AsyncConnection) -> None:
        await conn.execute(text("SELECT pg_advisory_xact_lock(2, 0)"))

    async def signing_keys(self, conn: AsyncConnection) -> Sequence[Row[Any]]:
        return (await conn.execute(select(signing_keys).order_by(signing_keys.c.created_at))).all()

    async def insert_signing_key(
        self, conn: AsyncConnection, *, kid: str, private_key: bytes, public_x: str, now: datetime
    ) -> None:
        await conn.execute(
            signing_keys.insert().values(kid=kid, private_key=private_key, public_x=public_x, created_at=now)
        )

    async def retire_signing_keys_except(self, conn: AsyncConnection, kid: str, now: datetime) -> None:
        await conn.execute(
            update(signing_keys)
            .where(signing_keys.c.kid != kid, signing_keys.c.retired_at.is_(None))
            .values(retired_at=now)
        )

    # --- role verification (R-ROLE-2) -----------------------------------------------------
    async def ensure_pending_verification(
        self, conn: AsyncConnection, *, user_id: uuid.UUID, organisation_id: uuid.UUID, role: str
    ) -> Row[Any]:
        await conn.execute(
            insert(role_verifications)
            .values(
                id=uuid.uuid4(), user_id=user_id, organisation_id=organisation_id, role=role, status="pending"
            )
            .on_conflict_do_nothing(constraint="role_verifications_unique")
        )
        return (
            await conn.execute(
                select(role_verifications).where(
                    role_verifications.c.user_id == user_id,
                    role_verifications.c.organisation_id == organisation_id,
                    role_verifications.c.role == role,
                )
            )
        ).one()

    async def verification_for_update(
        self, conn: AsyncConnection, verification_id: uuid.UUID
    ) -> Row[Any] | None:
        return (
            await conn.execute(
                select(role_verifications).where(role_verifications.c.id == verification_id).with_for_update()
            )
        ).first()

    async def decide_verification(
        self,
        conn: AsyncConnection,
        verification_id: uuid.UUID,
        *,
        status: str,
        decided_by: uuid.UUID,
        reason: str,
        now: datetime,
    ) -> Row[Any]:
        result = await conn.execute(
            update(role_verifications)
            .where(role_verifications.c.id == verification_id)
            .values(status=status, decided_by=decided_by, decided_at=now, reason=reason)
            .returning(role_verifications)
        )
        return cast("Row[Any]", result.one())

    async def verifications_in_org(
        self, conn: AsyncConnection, organisation_id: uuid.UUID, status: str | None
    ) -> Sequence[Row[Any]]:
        query = select(role_verifications).where(role_verifications.c.organisation_id == organisation_id)
        if status is not None:
            query = query.where(role_verifications.c.status == status)
        return (await conn.execute(query.order_by(role_verifications.c.created_at))).all()

    async def verifications_of_user(self, conn: AsyncConnection, user_id: uuid.UUID) -> Sequence[Row[Any]]:
        return (
            await conn.execute(
                select(role_verifications)
                .where(role_verifications.c.user_id == user_id)
                .order_by(role_verifications.c.created_at)
            )
        ).all()

    # --- read model of directory memberships ----------------------------------------------
    async def apply_org_roles(
        self,
        conn: AsyncConnection,
        *,
        organisation_id: uuid.UUID,
        user_id: uuid.UUID,
        roles: list[str],
        version: int,
    ) -> bool:
        """Store a member's role set unless a newer version is already known; True if applied."""
        stmt = insert(org_roles).values(
            organisation_id=organisation_id, user_id=user_id, roles=roles, version=version
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[org_roles.c.organisation_id, org_roles.c.user_id],
            set_={"roles": stmt.excluded.roles, "version": stmt.excluded.version},
            where=org_roles.c.version < stmt.excluded.version,
        )
        result = await conn.execute(stmt)
        return result.rowcount > 0

    async def org_roles_of(
        self, conn: AsyncConnection, organisation_id: uuid.UUID, user_id: uuid.UUID
    ) -> frozenset[str]:
        roles = await conn.scalar(
            select(org_roles.c.roles).where(
                and_(org_roles.c.organisation_id == organisation_id, org_roles.c.user_id == user_id)
            )
        )
        return frozenset(roles or ())

    async def members_among(
        self, conn: AsyncConnection, organisation_id: uuid.UUID, user_ids: Sequence[uuid.UUID]
    ) -> Sequence[Row[Any]]:
        """The accounts among user_ids that hold a role in the organisation (the read model)."""
        rows = (
            await conn.execute(
                select(
                    users.c.id,
                    users.c.display_name,
                    users.c.first_name,
                    users.c.last_name,
                    users.c.avatar_url,
                )
                .join(org_roles, org_roles.c.user_id == users.c.id)
                .where(
                    org_roles.c.organisation_id == organisation_id,
                    func.cardinality(org_roles.c.roles) > 0,
                    users.c.id.in_(user_ids),
                )
            )
        ).all()
        return cast("Sequence[Row[Any]]", rows)

    # --- read model of parent links (R-ROLE-6) ---------------------------------------------
    async def apply_parent_relation(
        self,
        conn: AsyncConnection,
        *,
        organisation_id: uuid.UUID,
        parent_id: uuid.UUID,
        child_id: uuid.UUID | None,
        child_first_name: str = "",
        child_last_name: str = "",
        relation: str,
    ) -> None:
        """A parent's link to a child (by id) or claim (by name); a relation said again replaces the
        old one, an empty relation keeps it."""
        old_relation = parent_relations.c.relation
        key = str(child_id) if child_id is not None else claim_key(child_first_name, child_last_name)
        stmt = insert(parent_relations).values(
            organisation_id=organisation_id,
            parent_id=parent_id,
            child_key=key,
            child_id=child_id,
            child_first_name=child_first_name,
            child_last_name=child_last_name,
            relation=relation,
        )
        await conn.execute(
            stmt.on_conflict_do_update(
                index_elements=[
                    parent_relations.c.organisation_id,
                    parent_relations.c.parent_id,
                    parent_relations.c.child_key,
                ],
                set_={"relation": func.coalesce(func.nullif(stmt.excluded.relation, ""), old_relation)},
            )
        )

    async def forget_parent_claim(
        self,
        conn: AsyncConnection,
        *,
        organisation_id: uuid.UUID,
        parent_id: uuid.UUID,
        child_first_name: str,
        child_last_name: str,
    ) -> None:
        """A typed claim resolved by a link to the child: the link names the child from now on."""
        await conn.execute(
            parent_relations.delete().where(
                parent_relations.c.organisation_id == organisation_id,
                parent_relations.c.parent_id == parent_id,
                parent_relations.c.child_key == claim_key(child_first_name, child_last_name),
            )
        )

    async def children_named(
        self, conn: AsyncConnection, organisation_id: uuid.UUID, parent_ids: Sequence[uuid.UUID]
    ) -> Sequence[Row[Any]]:
        """The children of these parents in the organisation with their names — a linked child's
        from their profile, a claimed one's as the parent typed it — and the relation."""
        child = users.alias("child")
        first = func.coalesce(func.nullif(child.c.first_name, ""), parent_relations.c.child_first_name)
        last = func.coalesce(func.nullif(child.c.last_name, ""), parent_relations.c.child_last_name)
        query = (
            select(
                parent_relations.c.parent_id,
                first.label("first_name"),
                last.label("last_name"),
                parent_relations.c.relation,
            )
            .select_from(parent_relations.outerjoin(child, child.c.id == parent_relations.c.child_id))
            .where(
                parent_relations.c.organisation_id == organisation_id,
                parent_relations.c.parent_id.in_(parent_ids),
            )
            .order_by(parent_relations.c.parent_id, parent_relations.c.child_key)
        )
        return cast("Sequence[Row[Any]]", (await conn.execute(query)).all())

    # --- development mailbox --------------------------------------------------------------
    async def add_dev_mail(self, conn: AsyncConnection, destination: str, body: str) -> None:
        await conn.execute(dev_mailbox.insert().values(destination=destination, text=body))

    async def dev_mail(
        self, conn: AsyncConnection, destination: str | None, limit: int = 50
    ) -> Sequence[Row[Any]]:
        query = select(dev_mailbox).order_by(dev_mailbox.c.id.desc()).limit(limit)
        if destination:
            query = query.where(or_(dev_mailbox.c.destination == destination))
        return (await conn.execute(query)).all()
