"""Local token verification: the verifier remembers verified tokens, but never past their expiry,
and learns a rotated key on first sight of its kid."""

from __future__ import annotations

import asyncio
import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from services.common.auth import AUDIENCE, ISSUER, PublicKey, TokenVerifier, b64url
from services.common.errors import Unauthenticated


class Keys:
    def __init__(self) -> None:
        self.private: dict[str, Ed25519PrivateKey] = {}
        self.fetches = 0

    def add(self, kid: str) -> None:
        self.private[kid] = Ed25519PrivateKey.generate()

    async def source(self) -> list[PublicKey]:
        self.fetches += 1
        return [
            PublicKey(kid, b64url(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)))
            for kid, key in self.private.items()
        ]

    def token(self, kid: str, *, ttl: int = 600) -> str:
        now = int(time.time())
        claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "u1", "sid": "s1", "iat": now, "exp": now + ttl}
        return jwt.encode(claims, self.private[kid], algorithm="EdDSA", headers={"kid": kid})


async def test_a_remembered_token_still_expires() -> None:
    keys = Keys()
    keys.add("k1")
    verifier = TokenVerifier(keys.source, refresh_interval=0, leeway=0)
    token = keys.token("k1", ttl=1)
    assert (await verifier.verify(token)).user_id == "u1"
    assert (await verifier.verify(token)).user_id == "u1"
    await asyncio.sleep(2.1)
    with pytest.raises(Unauthenticated, match="истёк"):
        await verifier.verify(token)


async def test_a_new_kid_makes_the_verifier_fetch_keys_again() -> None:
    keys = Keys()
    keys.add("k1")
    verifier = TokenVerifier(keys.source, refresh_interval=0)
    await verifier.verify(keys.token("k1"))
    assert keys.fetches == 1
    keys.add("k2")
    assert (await verifier.verify(keys.token("k2"))).session_id == "s1"
    assert keys.fetches == 2


async def test_a_token_from_an_unknown_key_is_refused() -> None:
    keys, stranger = Keys(), Keys()
    keys.add("k1")
    stranger.add("k1")
    verifier = TokenVerifier(keys.source, refresh_interval=0)
    with pytest.raises(Unauthenticated):
        await verifier.verify(stranger.token("k1"))
