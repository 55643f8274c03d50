"""Signing keys and access tokens.

The active Ed25519 key signs short-lived JWT access tokens (kid in the header). Rotation makes a
new key active and retires the old one, which is still published until every token it signed
has expired, so rotation needs no downtime: verifiers fetch the new public key on first sight
of its kid. Keys live in identity's database; each instance reloads them periodically.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat
from sqlalchemy.ext.asyncio import AsyncConnection

from parta.events.v1 import identity_pb2 as events
from services.common.auth import ALGORITHM, AUDIENCE, ISSUER, PublicKey, b64url
from services.common.db import Database
from services.common.events import service_actor
from services.common.outbox import stage_event
from services.identity.store import IdentityStore


@dataclass(frozen=True)
class _Key:
    kid: str
    private: Ed25519PrivateKey
    public_x: str
    created_at: datetime
    retired_at: datetime | None


class KeyRing:
    def __init__(
        self,
        db: Database,
        store: IdentityStore,
        *,
        access_ttl: timedelta,
        rotation_period: timedelta,
        reload_interval: float = 30.0,
    ) -> None:
        self._db = db
        self._store = store
        self._access_ttl = access_ttl
        self._rotation_period = rotation_period
        self._reload_interval = reload_interval
        self._keys: list[_Key] = []
        self._loaded_at = float("-inf")

    @property
    def access_ttl(self) -> timedelta:
        return self._access_ttl

    async def load(self) -> None:
        """Load the keys; make a first one, or rotate when the active key is due."""
        now = datetime.now(UTC)
        async with self._db.transaction("load_signing_keys") as conn:
            await self._store.lock_signing_keys(conn)
            rows = await self._store.signing_keys(conn)
            active = [row for row in rows if row.retired_at is None]
            if not active or now - active[-1].created_at >= self._rotation_period:
                await self._create_active_key(conn, now)
                rows = await self._store.signing_keys(conn)
        self._keys = [
            _Key(
                kid=row.kid,
                private=Ed25519PrivateKey.from_private_bytes(row.private_key),
                public_x=row.public_x,
                created_at=row.created_at,
                retired_at=row.retired_at,
            )
            for row in rows
        ]
        self._loaded_at = time.monotonic()

    async def rotate(self) -> str:
        """Make a new key active now; the old one keeps verifying until its tokens expire."""
        now = datetime.now(UTC)
        async with self._db.transaction("rotate_signing_key") as conn:
            await self._store.lock_signing_keys(conn)
            kid = await self._create_active_key(conn, now)
        await self.load()
        return kid

    async def _create_active_key(self, conn: AsyncConnection, now: datetime) -> str:
        private = Ed25519PrivateKey.generate()
        kid = f"{now:%Y%m%d}-{secrets.token_hex(4)}"
        raw_private = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        raw_public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        await self._store.insert_signing_key(
            conn, kid=kid, private_key=raw_private, public_x=b64url(raw_public), now=now
        )
        await self._store.retire_signing_keys_except(conn, kid, now)
        await stage_event(
            conn, "identity.keys.rotated", events.SigningKeyRotated(kid=kid), actor=service_actor("identity")
        )
        return kid

    async def _fresh(self) -> list[_Key]:
        if time.monotonic() - self._loaded_at > self._reload_interval:
            await self.load()
        return self._keys

    async def public_keys(self) -> list[PublicKey]:
        """The active key and retired keys whose tokens may still be unexpired."""
        now = datetime.now(UTC)
        grace = self._access_ttl + timedelta(minutes=1)
        return [
            PublicKey(kid=key.kid, x=key.public_x)
            for key in await self._fresh()
            if key.retired_at is None or now - key.retired_at < grace
        ]

    async def active_kid(self) -> str:
        return [key for key in await self._fresh() if key.retired_at is None][-1].kid

    async def sign_access_token(
        self,
        *,
        user_id: str,
        session_id: str,
        phone: str | None = None,
        email: str | None = None,
        issued_at: float | None = None,
    ) -> tuple[str, int]:
        key = [key for key in await self._fresh() if key.retired_at is None][-1]
        now = int(time.time() if issued_at is None else issued_at)
        ttl = int(self._access_ttl.total_seconds())
        claims: dict[str, object] = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": user_id,
            "sid": session_id,
            "iat": now,
            "exp": now + ttl,
        }
        if phone:
            claims["phone"] = phone
        if email:
            claims["email"] = email
        token = jwt.encode(claims, key.private, algorithm=ALGORITHM, headers={"kid": key.kid})
        return token, ttl
