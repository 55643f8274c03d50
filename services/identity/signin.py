"""Signing in: one-time codes to a phone or an e-mail (R-PRIV-3), child accounts that sign in
with a parent's e-mail (R-INV-4), and sessions with rotating refresh tokens.

A refresh token is used once: refreshing marks it used and issues the next one of the same
family (the session). A used token presented again means it was stolen or replayed, so the whole
family is revoked (the OAuth 2.0 Security BCP's reuse detection).
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from parta.events.v1 import identity_pb2 as events
from services.common.db import Database
from services.common.errors import InvalidArgument, Unauthenticated
from services.common.events import user_actor
from services.common.outbox import stage_event
from services.identity.codes import (
    CodeLimits,
    check_rate_limits,
    clean_code,
    code_matches,
    hash_code,
    new_code,
)
from services.identity.destinations import Destination, Kind, parse_destination
from services.identity.keyring import KeyRing
from services.identity.senders import CodeSender
from services.identity.store import IdentityStore

NAME_PATTERN = re.compile(r"[A-Za-zА-Яа-яЁё][A-Za-zА-Яа-яЁё' \-]{0,62}")


@dataclass(frozen=True)
class ChildName:
    """The primary-school student who signs in with a parent's e-mail (R-INV-4)."""

    first_name: str
    last_name: str

    @classmethod
    def parse(cls, first_name: str, last_name: str) -> ChildName:
        first, last = first_name.strip(), last_name.strip()
        if not NAME_PATTERN.fullmatch(first) or not NAME_PATTERN.fullmatch(last):
            raise InvalidArgument("Укажите имя и фамилию ученика буквами", rule="R-INV-4")
        return cls(first, last)

    @property
    def key(self) -> str:
        return f"{self.last_name} {self.first_name}".lower().replace("ё", "е")


@dataclass(frozen=True)
class CodeSent:
    sent_to: str
    expires_in: int
    resend_after: int


@dataclass(frozen=True)
class Tokens:
    access_token: str
    access_expires_in: int
    refresh_token: str
    session_id: str
    user_id: str
    account_created: bool


@dataclass(frozen=True)
class SignInPolicy:
    code_ttl: timedelta
    max_attempts: int
    limits: CodeLimits
    refresh_ttl: timedelta
    pepper: bytes


def hash_refresh_token(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def code_message(destination: Destination, code: str, child: ChildName | None) -> tuple[str, str]:
    subject = "Код для входа в Парту"
    if child is not None:
        text = (
            f"Код для входа ученика {child.first_name} {child.last_name} в Парту: {code}.\n"
            "Код действует 5 минут. Никому его не сообщайте, кроме своего ребёнка."
        )
    else:
        text = f"Код для входа в Парту: {code}.\nКод действует 5 минут. Никому его не сообщайте."
    return subject, text


class SignIn:
    def __init__(
        self, db: Database, store: IdentityStore, keys: KeyRing, sender: CodeSender, policy: SignInPolicy
    ) -> None:
        self._db = db
        self._store = store
        self._keys = keys
        self._sender = sender
        self._policy = policy

    @staticmethod
    def _target(raw_destination: str, child: ChildName | None) -> Destination:
        destination = parse_destination(raw_destination)
        if child is not None and destination.kind is not Kind.EMAIL:
            raise InvalidArgument(
                "Ученик младших классов входит по электронной почте родителя", rule="R-INV-4"
            )
        return destination

    async def request_code(self, raw_destination: str, child: ChildName | None, address: str) -> CodeSent:
        destination = self._target(raw_destination, child)
        now = datetime.now(UTC)
        code = new_code()
        code_id = uuid.uuid4()
        async with self._db.transaction("request_code") as conn:
            await self._store.lock_destination(conn, destination.value)
            recent = await self._store.recent_codes(conn, destination.value, address, now)
            check_rate_limits(recent, self._policy.limits, now)
            await self._store.insert_code(
                conn,
                code_id=code_id,
                destination=destination.value,
                child_key=child.key if child else None,
                code_hash=hash_code(self._policy.pepper, str(code_id), code),
                address=address,
                now=now,
                expires_at=now + self._policy.code_ttl,
            )
        subject, text = code_message(destination, code, child)
        try:
            await self._sender.send(destination, subject, text)
        except Exception:
            # Not delivered: forget it, so it neither counts against the limits nor can be guessed.
            async with self._db.transaction("forget_undelivered_code") as conn:
                await self._store.delete_code(conn, code_id)
            raise
        return CodeSent(
            sent_to=destination.masked(),
            expires_in=int(self._policy.code_ttl.total_seconds()),
            resend_after=self._policy.limits.resend_seconds,
        )

    async def verify_code(
        self, raw_destination: str, raw_code: str, child: ChildName | None, *, device_name: str, address: str
    ) -> Tokens:
        destination = self._target(raw_destination, child)
        code = clean_code(raw_code)
        now = datetime.now(UTC)
        refusal: str | None = None
        async with self._db.transaction("verify_code") as conn:
            row = await self._store.latest_code(conn, destination.value, child.key if child else None)
            if row is None:
                refusal = "Код не запрошен или уже использован: запросите новый"
            elif row.attempts >= self._policy.max_attempts:
                refusal = "Слишком много неверных попыток: запросите новый код"
            elif row.expires_at <= now:
                refusal = "Срок действия кода истёк: запросите новый"
            elif not code_matches(self._policy.pepper, str(row.id), code, row.code_hash):
                attempts = await self._store.count_failed_attempt(conn, row.id)
                left = self._policy.max_attempts - attempts
                refusal = (
                    f"Неверный код: осталось попыток — {left}"
                    if left > 0
                    else "Неверный код. Попытки исчерпаны: запросите новый код"
                )
            else:
                await self._store.consume_code(conn, row.id, now)
                user, created = await self._find_or_create_user(conn, destination, child)
                session_id = await self._store.create_session(
                    conn, user_id=user.id, device_name=device_name[:120], address=address, now=now
                )
                refresh_token = await self._issue_refresh_token(conn, session_id, now)
        if refusal is not None:
            # Raised after the commit: the counted attempt must stick.
            raise Unauthenticated(refusal)
        access_token, ttl = await self._keys.sign_access_token(
            user_id=str(user.id), session_id=str(session_id), phone=user.phone, email=user.email
        )
        return Tokens(access_token, ttl, refresh_token, str(session_id), str(user.id), created)

    async def _find_or_create_user(
        self, conn: AsyncConnection, destination: Destination, child: ChildName | None
    ) -> tuple[Row[Any], bool]:
        if child is not None:
            user = await self._store.child_user(conn, destination.value, child.key)
            values: dict[str, Any] = {
                "guardian_email": destination.value,
                "child_key": child.key,
                "first_name": child.first_name,
                "last_name": child.last_name,
                "display_name": f"{child.first_name} {child.last_name}",
            }
        elif destination.kind is Kind.PHONE:
            user = await self._store.user_by_login(conn, phone=destination.value)
            values = {"phone": destination.value}
        else:
            user = await self._store.user_by_login(conn, email=destination.value)
            values = {"email": destination.value}
        if user is not None:
            return user, False
        user = await self._store.create_user(conn, **values)
        await stage_event(
            conn,
            "identity.user.created",
            events.UserCreated(user_id=str(user.id), is_child=child is not None),
            actor=user_actor(str(user.id)),
        )
        return user, True

    async def _issue_refresh_token(self, conn: AsyncConnection, session_id: uuid.UUID, now: datetime) -> str:
        token = secrets.token_urlsafe(32)
        await self._store.insert_refresh_token(
            conn,
            token_hash=hash_refresh_token(token),
            session_id=session_id,
            now=now,
            expires_at=now + self._policy.refresh_ttl,
        )
        return token

    async def refresh(self, refresh_token: str) -> Tokens:
        now = datetime.now(UTC)
        refusal: str | None = None
        async with self._db.transaction("refresh_token") as conn:
            row = await self._store.refresh_token_for_update(conn, hash_refresh_token(refresh_token))
            if row is None:
                refusal = "Токен обновления недействителен"
            elif row.revoked_at is not None:
                refusal = "Сеанс завершён: войдите снова"
            elif row.used_at is not None:
                await self._revoke(conn, row.session_id, row.user_id, "refresh_token_reuse", now)
                refusal = (
                    "Токен обновления уже был использован: сеанс завершён для безопасности, войдите снова"
                )
            elif row.expires_at <= now:
                refusal = "Срок действия токена обновления истёк: войдите снова"
            else:
                await self._store.mark_refresh_token_used(conn, row.token_hash, now)
                await self._store.touch_session(conn, row.session_id, now)
                new_token = await self._issue_refresh_token(conn, row.session_id, now)
                user_id, session_id = str(row.user_id), str(row.session_id)
                phone, email = row.phone, row.email
        if refusal is not None:
            raise Unauthenticated(refusal)
        access_token, ttl = await self._keys.sign_access_token(
            user_id=user_id, session_id=session_id, phone=phone, email=email
        )
        return Tokens(access_token, ttl, new_token, session_id, user_id, False)

    async def _revoke(
        self, conn: AsyncConnection, session_id: uuid.UUID, user_id: uuid.UUID, reason: str, now: datetime
    ) -> bool:
        revoked = await self._store.revoke_session(conn, session_id, reason=reason, now=now)
        if revoked:
            await stage_event(
                conn,
                "identity.session.revoked",
                events.SessionRevoked(user_id=str(user_id), session_id=str(session_id), reason=reason),
                actor=user_actor(str(user_id)),
            )
        return revoked

    async def revoke_session(self, user_id: str, session_id: str, reason: str) -> bool:
        """Revoke one of the user's own sessions; False if it was not theirs or not live."""
        now = datetime.now(UTC)
        async with self._db.transaction("revoke_session") as conn:
            session = await self._store.get_session(conn, uuid.UUID(session_id))
            if session is None or str(session.user_id) != user_id:
                return False
            return await self._revoke(conn, session.id, session.user_id, reason, now)

    async def require_live_session(self, session_id: str) -> None:
        """Identity's own calls check the session too, so logout takes effect there at once."""
        async with self._db.transaction("check_session") as conn:
            session = await self._store.get_session(conn, uuid.UUID(session_id))
        if session is None or session.revoked_at is not None:
            raise Unauthenticated("Сеанс завершён: войдите снова")
