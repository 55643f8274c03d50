"""Access-token verification, done locally by every service from identity's published keys.

Access tokens are Ed25519-signed JWTs (alg EdDSA) with a `kid` header. A verifier keeps the
public keys it knows; a token signed by a key it has not seen makes it ask its `KeySource` again
(at most every `refresh_interval`), which is how key rotation needs no restart anywhere.
The principal of the call being handled is kept in a contextvar (`current_principal()`).
"""

from __future__ import annotations

import base64
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from services.common.errors import Unauthenticated

ISSUER = "parta-identity"
AUDIENCE = "parta"
ALGORITHM = "EdDSA"


@dataclass(frozen=True)
class Principal:
    """Who is calling: a signed-in user in one session."""

    user_id: str
    session_id: str
    expires_at: int
    token: str = ""
    # The logins the user proved by receiving a code there (claims "phone", "email"); used where a
    # rule names a person by phone, e.g. the administrator named in an application (R-ORG-3).
    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class PublicKey:
    kid: str
    x: str  # raw Ed25519 public key, base64url without padding (JWK "x")


KeySource = Callable[[], Awaitable[list[PublicKey]]]

_current_principal: ContextVar[Principal | None] = ContextVar("parta_principal", default=None)


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def current_principal() -> Principal:
    """The authenticated caller; raises Unauthenticated on a call that has none."""
    principal = _current_principal.get()
    if principal is None:
        raise Unauthenticated("Нужно войти: запрос без токена доступа")
    return principal


def optional_principal() -> Principal | None:
    return _current_principal.get()


def set_principal(principal: Principal | None) -> object:
    return _current_principal.set(principal)


def reset_principal(token: object) -> None:
    _current_principal.reset(token)  # type: ignore[arg-type]


class TokenVerifier:
    """Verifies access tokens; a token already verified is remembered (bounded, until it expires),
    since a client sends the same token with every call for minutes."""

    def __init__(
        self,
        key_source: KeySource,
        *,
        refresh_interval: float = 5.0,
        leeway: int = 5,
        cache_size: int = 10_000,
    ) -> None:
        self._key_source = key_source
        self._keys: dict[str, Ed25519PublicKey] = {}
        self._refresh_interval = refresh_interval
        self._last_refresh = float("-inf")
        self._leeway = leeway
        self._verified: OrderedDict[str, Principal] = OrderedDict()
        self._cache_size = cache_size

    async def refresh(self) -> None:
        keys = await self._key_source()
        self._keys = {key.kid: Ed25519PublicKey.from_public_bytes(b64url_decode(key.x)) for key in keys}
        self._last_refresh = time.monotonic()

    async def _key_for(self, kid: str) -> Ed25519PublicKey:
        key = self._keys.get(kid)
        if key is None and time.monotonic() - self._last_refresh >= self._refresh_interval:
            await self.refresh()
            key = self._keys.get(kid)
        if key is None:
            raise Unauthenticated("Токен доступа подписан неизвестным ключом")
        return key

    async def verify(self, token: str) -> Principal:
        known = self._verified.get(token)
        if known is not None:
            if time.time() <= known.expires_at + self._leeway:
                self._verified.move_to_end(token)
                return known
            del self._verified[token]
        principal = await self._verify(token)
        self._verified[token] = principal
        if len(self._verified) > self._cache_size:
            self._verified.popitem(last=False)
        return principal

    async def _verify(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise Unauthenticated("Токен доступа повреждён") from None
        if header.get("alg") != ALGORITHM or not isinstance(header.get("kid"), str):
            raise Unauthenticated("Токен доступа повреждён")
        key = await self._key_for(header["kid"])
        try:
            claims = jwt.decode(
                token,
                key=key,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                issuer=ISSUER,
                leeway=self._leeway,
                options={"require": ["exp", "iat", "sub", "sid"]},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("Срок действия токена доступа истёк: обновите его") from None
        except jwt.PyJWTError:
            raise Unauthenticated("Токен доступа недействителен") from None
        return Principal(
            user_id=str(claims["sub"]),
            session_id=str(claims["sid"]),
            expires_at=int(claims["exp"]),
            phone=str(claims.get("phone") or ""),
            email=str(claims.get("email") or ""),
            token=token,
        )


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()
