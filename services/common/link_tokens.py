"""Invite-link tokens, their lifetime rules and guessing protection, shared by every service that
hands out links (directory's organisation invites, R-INV-2; messaging's chat links, R-CHAT-6).

What each service calls (its own limits, texts and rule code as arguments):
- making a link: `new_token()` (shown once, or kept by directory for links made one at a time) and
  `hash_token(token)` (stored, looked up by); `expiry_days(requested, maximum=, rule=)` (0 = the
  default week; directory's maximum is 90 days, messaging's 30) and
  `explicit_use_limit(requested, what=, rule=)` (0 = the service's own default: directory's by role
  and class size, messaging's "no limit"; else 1..`MAX_USES`);
- using a link: `unusable_refusal(revoked_at, expires_at, uses, max_uses, now, texts=, rule=)` —
  revoked, expired or used up, in that order, in the service's words (`RefusalTexts`);
- following a link: `services/common/link_failures.py` `look_up(conn, token, address, find=,
  failures=LinkFailures(table), rule=)`, i.e. `guarded_look_up` below with the failures kept in the
  service's own failures table (columns client_address, token_prefix, at).
Directory's join codes reuse the per-address ceiling (`MAX_ADDRESS_FAILURES`, `guessing_retry_after`).

A token carries 192 random bits from `secrets`; look-ups go by its SHA-256 (`hash_token`).

Guessing (`guarded_look_up`): a token is looked up FIRST, and a link that exists is always honoured
— a valid link is never refused because of someone else's mistakes. Only an unknown token counts as
a failure, and only then is the limit consulted:
- per (client address, token prefix — its first `TOKEN_PREFIX_LENGTH` characters): past
  `MAX_FAILURES` within `FAILURE_WINDOW`. One person retyping a broken link, or a script hammering
  one guess pattern, waits; the other clients behind the same address (a school's NAT, a mobile
  operator's CGNAT) are untouched, since their links have other prefixes and are valid anyway;
- per client address whatever the prefix: past `MAX_ADDRESS_FAILURES` (much higher) within the same
  window — the ceiling that holds a guesser who varies the prefix.
A refused look-up is not recorded, so the wait it announces (`retry_after`) is honest. Checking a
valid token before the limit gives a guesser nothing: 192 random bits are out of reach whatever the
rate; the limit keeps enumeration noisy and slow and the failure tables small."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from services.common.errors import InvalidArgument, RateLimited, RuleRefused

DEFAULT_EXPIRY_DAYS = 7  # a link made without an expiry lives a week
MAX_USES = 1000  # the most uses a link may be given explicitly
TOKEN_BYTES = 24  # 192 bits, above the 128 an unguessable link needs
TOKEN_PREFIX_LENGTH = 4
MAX_FAILURES = 20  # per (address, token prefix)
MAX_ADDRESS_FAILURES = 300  # per address, whatever the prefix
FAILURE_WINDOW = timedelta(minutes=10)
UNKNOWN_ADDRESS = "unknown"
GUESSING_MESSAGE = "Слишком много неверных ссылок-приглашений; проверьте ссылку и попробуйте позже"

Found = TypeVar("Found")


@dataclass(frozen=True)
class Failures:
    """Unknown tokens looked up from one address within the window: with one prefix, and in all."""

    same_prefix: int
    same_prefix_oldest: datetime | None
    address: int
    address_oldest: datetime | None


@dataclass(frozen=True)
class RefusalTexts:
    """What a service tells the person following a link it can no longer honour."""

    revoked: str
    expired: str
    used_up: str


def new_token() -> str:
    """A fresh URL-safe token."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> bytes:
    """What look-ups go by."""
    return hashlib.sha256(token.encode()).digest()


def token_prefix(token: str) -> str:
    """The part of a token its failures are counted under, with the client's address."""
    return token[:TOKEN_PREFIX_LENGTH]


def expiry_days(requested: int, *, maximum: int, rule: str, default: int = DEFAULT_EXPIRY_DAYS) -> int:
    """How many days a new link lives: 0 means the default week; otherwise 1..`maximum`."""
    if requested == 0:
        return default
    if not 1 <= requested <= maximum:
        raise InvalidArgument(f"Срок действия ссылки — от 1 до {maximum} дней", rule=rule)
    return requested


def explicit_use_limit(requested: int, *, what: str, rule: str, maximum: int = MAX_USES) -> int | None:
    """The use limit its maker asked for (1..`maximum`), or None for 0: the service's default applies.
    `what` names the limit in the refusal ("Число использований")."""
    if requested == 0:
        return None
    if not 1 <= requested <= maximum:
        raise InvalidArgument(f"{what} — от 1 до {maximum}", rule=rule)
    return requested


def unusable_refusal(
    revoked_at: datetime | None,
    expires_at: datetime,
    uses: int,
    max_uses: int | None,
    now: datetime,
    *,
    texts: RefusalTexts,
    rule: str,
) -> RuleRefused | None:
    """Why a known link cannot be used any more — revoked, expired, used up (`max_uses` None: no
    limit), checked in that order — or None while it is usable."""
    if revoked_at is not None:
        return RuleRefused(texts.revoked, rule=rule)
    if expires_at <= now:
        return RuleRefused(texts.expired, rule=rule)
    if max_uses is not None and uses >= max_uses:
        return RuleRefused(texts.used_up, rule=rule)
    return None


def guessing_retry_after(
    failures: int,
    oldest: datetime | None,
    now: datetime,
    *,
    max_failures: int = MAX_FAILURES,
    window: timedelta = FAILURE_WINDOW,
) -> int | None:
    """Seconds to wait once `failures` within the window reach past `max_failures`, or None."""
    if failures <= max_failures or oldest is None:
        return None
    return max(1, int((oldest + window - now).total_seconds()) + 1)


def guessing_wait(
    failures: Failures,
    now: datetime,
    *,
    max_failures: int = MAX_FAILURES,
    max_address_failures: int = MAX_ADDRESS_FAILURES,
) -> int | None:
    """Seconds an unknown token's client must wait — past the per-prefix limit or the per-address
    ceiling — or None when it may be told «not found» and try again."""
    per_client = guessing_retry_after(
        failures.same_prefix, failures.same_prefix_oldest, now, max_failures=max_failures
    )
    ceiling = guessing_retry_after(
        failures.address, failures.address_oldest, now, max_failures=max_address_failures
    )
    waits = [per_client, ceiling]
    known = [wait for wait in waits if wait is not None]
    return max(known) if known else None


async def guarded_look_up(
    token: str,
    client_address: str | None,
    *,
    find: Callable[[bytes], Awaitable[Found | None]],
    failures_since: Callable[[str, str, datetime], Awaitable[Failures]],
    record_failure: Callable[[str, str, datetime], Awaitable[None]],
    rule: str,
) -> Found | None:
    """The link of `token` (a valid one always); for an unknown token None after recording the
    failure, or `RateLimited` with `retry_after` once the client is past a limit.

    `failures_since(address, prefix, since)` counts; `record_failure(address, prefix, forget_before)`
    adds one and may drop those older than the window."""
    found = await find(hash_token(token)) if token else None
    if found is not None:
        return found
    address = client_address or UNKNOWN_ADDRESS
    prefix = token_prefix(token)
    now = datetime.now(UTC)
    wait = guessing_wait(await failures_since(address, prefix, now - FAILURE_WINDOW), now)
    if wait is not None:
        raise RateLimited(GUESSING_MESSAGE, retry_after=wait, rule=rule)
    await record_failure(address, prefix, now - FAILURE_WINDOW)
    return None
