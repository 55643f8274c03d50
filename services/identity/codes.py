"""One-time codes as plain functions: make one, keep only its keyed hash, compare in constant time,
and decide whether a destination or a client address may have another one now (rate limits)."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.common.errors import InvalidArgument, RateLimited

CODE_DIGITS = 6


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def hash_code(pepper: bytes, code_id: str, code: str) -> bytes:
    return hmac.new(pepper, f"{code_id}:{code}".encode(), hashlib.sha256).digest()


def code_matches(pepper: bytes, code_id: str, code: str, stored_hash: bytes) -> bool:
    return hmac.compare_digest(hash_code(pepper, code_id, code), stored_hash)


def clean_code(raw: str) -> str:
    code = re.sub(r"[\s-]", "", raw)
    if not re.fullmatch(rf"\d{{{CODE_DIGITS}}}", code):
        raise InvalidArgument(f"Код состоит из {CODE_DIGITS} цифр")
    return code


@dataclass(frozen=True)
class RecentCodes:
    """What the store knows about codes sent lately to one destination and one address."""

    last_to_destination: datetime | None
    hour_to_destination: int
    oldest_in_hour_to_destination: datetime | None
    hour_from_address: int
    oldest_in_hour_from_address: datetime | None


@dataclass(frozen=True)
class CodeLimits:
    resend_seconds: int
    per_destination_per_hour: int
    per_address_per_hour: int


def check_rate_limits(recent: RecentCodes, limits: CodeLimits, now: datetime) -> None:
    """Raise RateLimited (with the seconds to wait) when another code may not be sent yet."""
    hour = timedelta(hours=1)
    if recent.last_to_destination is not None:
        wait = recent.last_to_destination + timedelta(seconds=limits.resend_seconds) - now
        if wait > timedelta(0):
            raise RateLimited(
                "Код уже отправлен: новый можно запросить через минуту",
                retry_after=int(wait.total_seconds()) + 1,
            )
    if recent.hour_to_destination >= limits.per_destination_per_hour and recent.oldest_in_hour_to_destination:
        wait = recent.oldest_in_hour_to_destination + hour - now
        raise RateLimited(
            "Слишком много кодов на этот адрес за час: попробуйте позже",
            retry_after=int(wait.total_seconds()) + 1,
        )
    if recent.hour_from_address >= limits.per_address_per_hour and recent.oldest_in_hour_from_address:
        wait = recent.oldest_in_hour_from_address + hour - now
        raise RateLimited(
            "Слишком много запросов кодов с этого адреса: попробуйте позже",
            retry_after=int(wait.total_seconds()) + 1,
        )
