"""The moderation rules (R-MOD-1..5) as plain functions over plain facts: who may be named a
moderator, which rule a moderator may cite, when a block is allowed and whether it holds now, and
what a reason is. Nothing here touches the database; `actions.py` gathers the facts and calls these.
Who moderates a chat and what a blocked member is told are offered to the other features too, so
they are in `parts.py`."""

from __future__ import annotations

from datetime import datetime, timedelta

from services.common.errors import InvalidArgument, RuleRefused
from services.messaging.readmodel.people import Person

# R-MOD-3: "more than three" recorded violations, "at most one month (30 days)".
VIOLATIONS_BEFORE_BLOCK = 3
MAX_BLOCK_DAYS = 30
MAX_REASON_CHARS = 1000
AUDIT_PAGE_LIMIT = 100


def may_be_named_moderator(target: Person, is_chat_member: bool) -> bool:
    """R-MOD-1: moderators are named among the chat's staff members."""
    return is_chat_member and target.is_staff


def rule_text(rules: list[str], number: int) -> str:
    """The text of rule `number` (1-based) of the chat's current rules; InvalidArgument when the chat
    has no such rule (R-MOD-2, R-MOD-5: an action cites a rule that exists)."""
    if number < 1 or number > len(rules):
        raise InvalidArgument(
            f"Укажите номер правила этого чата: от 1 до {len(rules)} (R-MOD-5)", rule="R-MOD-5"
        )
    return rules[number - 1]


def clean_reason(reason: str, what: str = "причину") -> str:
    """R-MOD-5: no action without a reason."""
    cleaned = reason.strip()
    if not cleaned:
        raise InvalidArgument(f"Укажите {what} (R-MOD-5)", rule="R-MOD-5")
    if len(cleaned) > MAX_REASON_CHARS:
        raise InvalidArgument(f"Не длиннее {MAX_REASON_CHARS} символов")
    return cleaned


def clean_comment(comment: str) -> str:
    cleaned = comment.strip()
    if len(cleaned) > MAX_REASON_CHARS:
        raise InvalidArgument(f"Комментарий длиннее {MAX_REASON_CHARS} символов")
    return cleaned


def may_block(violations: int, days: int) -> bool:
    """R-MOD-3: only a member with more than three recorded violations, for 1..30 days."""
    return violations > VIOLATIONS_BEFORE_BLOCK and 1 <= days <= MAX_BLOCK_DAYS


def check_may_block(violations: int, days: int) -> None:
    """R-MOD-3: FAILED_PRECONDITION naming R-MOD-3 for a block with too few violations or too long."""
    if days < 1:
        raise InvalidArgument("Срок блокировки — от 1 до 30 дней", rule="R-MOD-3")
    if days > MAX_BLOCK_DAYS:
        raise RuleRefused(
            f"Блокировать можно не дольше чем на {MAX_BLOCK_DAYS} дней, а не на {days}",
            rule="R-MOD-3",
        )
    if violations <= VIOLATIONS_BEFORE_BLOCK:
        raise RuleRefused(
            "Блокировать можно только участника, у которого записано больше трёх нарушений "
            f"в этом чате; сейчас их {violations}",
            rule="R-MOD-3",
        )


def block_end(starts_at: datetime, days: int) -> datetime:
    return starts_at + timedelta(days=days)


def block_active(ends_at: datetime, lifted_at: datetime | None, now: datetime) -> bool:
    """A block holds until it ends (it lifts itself, R-MOD-3) or a moderator lifts it (R-MOD-4)."""
    return lifted_at is None and now < ends_at
