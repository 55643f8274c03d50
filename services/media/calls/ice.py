"""The STUN/TURN servers a participant's browser gets with JoinCall. TURN credentials are
time-limited in coturn's REST-API convention (`use-auth-secret` / `static-auth-secret`): username
"<expiry unix time>:<user id>", credential base64(HMAC-SHA1(secret, username)); coturn checks them
with the same secret and refuses them after the expiry."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class IceServer:
    urls: tuple[str, ...]
    username: str = ""
    credential: str = ""


def turn_credential(secret: str, username: str) -> str:
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def ice_servers(
    user_id: str,
    now: datetime,
    *,
    stun_urls: list[str],
    turn_urls: list[str],
    turn_secret: str,
    turn_ttl_seconds: int,
) -> list[IceServer]:
    """STUN first (no credentials), then TURN with a username valid for `turn_ttl_seconds`; TURN is
    left out without a secret (credentials nobody could check)."""
    servers: list[IceServer] = []
    if stun_urls:
        servers.append(IceServer(urls=tuple(stun_urls)))
    if turn_urls and turn_secret:
        username = f"{int(now.timestamp()) + turn_ttl_seconds}:{user_id}"
        servers.append(
            IceServer(
                urls=tuple(turn_urls), username=username, credential=turn_credential(turn_secret, username)
            )
        )
    return servers
