"""Chat invite links' own rules (R-CHAT-6), as pure functions over the shared link-token policy
(`services/common/link_tokens.py`): a link lives 1..30 days (a week by default), has an optional use
limit (0: none), and is refused in messaging's words once revoked, expired or used up. Joining by a
link, like JoinChat, acknowledges the chat's current rules (R-CHAT-5)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row

from services.common.errors import RuleRefused
from services.common.link_tokens import RefusalTexts, expiry_days, explicit_use_limit, unusable_refusal

RULE = "R-CHAT-6"
MAX_EXPIRY_DAYS = 30
REFUSALS = RefusalTexts(
    revoked="Ссылка-приглашение в чат отозвана",
    expired="Срок действия ссылки-приглашения в чат истёк",
    used_up="Ссылка-приглашение в чат уже использована полностью",
)


def lifetime_days(requested: int) -> int:
    """0 means the default week; 1..30 days."""
    return expiry_days(requested, maximum=MAX_EXPIRY_DAYS, rule=RULE)


def use_limit(requested: int) -> int | None:
    """0 means no limit; otherwise 1..1000 uses."""
    return explicit_use_limit(requested, what="Число вступлений по ссылке", rule=RULE)


def unusable_reason(
    revoked_at: datetime | None, expires_at: datetime, uses: int, max_uses: int | None, now: datetime
) -> RuleRefused | None:
    """Why a known link cannot be used any more — revoked, expired, used up — or None."""
    return unusable_refusal(revoked_at, expires_at, uses, max_uses, now, texts=REFUSALS, rule=RULE)


def link_refusal(link: Row[Any], now: datetime) -> RuleRefused | None:
    """`unusable_reason` of a stored link."""
    return unusable_reason(link.revoked_at, link.expires_at, link.uses, link.max_uses, now)


def check_rules_acknowledged(current_version: int, acknowledged: int) -> None:
    """R-CHAT-5: a member joins only with the chat's current rules version, as JoinChat asks."""
    if acknowledged != current_version:
        raise RuleRefused(
            f"Прежде чем вступить, прочитайте правила чата и подтвердите их (версия {current_version})",
            rule="R-CHAT-5",
        )
