"""The pure parts of chat invite links (services/messaging/links/rules.py, R-CHAT-6) and the shared
link tokens (services/common/link_tokens.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.common.errors import InvalidArgument, RuleRefused
from services.common.link_tokens import FAILURE_WINDOW, guessing_retry_after, hash_token, new_token
from services.messaging.links.rules import check_rules_acknowledged, lifetime_days, unusable_reason, use_limit

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=1)


def test_expiry_defaults_to_seven_days_and_is_at_most_thirty() -> None:
    assert lifetime_days(0) == 7
    assert lifetime_days(30) == 30
    for wrong in (-1, 31):
        with pytest.raises(InvalidArgument) as refused:
            lifetime_days(wrong)
        assert refused.value.rule == "R-CHAT-6"


def test_use_limit_is_optional() -> None:
    assert use_limit(0) is None
    assert use_limit(1) == 1
    for wrong in (-1, 1001):
        with pytest.raises(InvalidArgument):
            use_limit(wrong)


def test_a_usable_link_has_no_refusal() -> None:
    assert unusable_reason(None, LATER, 0, None, NOW) is None
    assert unusable_reason(None, LATER, 4, 5, NOW) is None


@pytest.mark.parametrize(
    ("revoked_at", "expires_at", "uses", "max_uses", "says"),
    [
        (NOW, LATER, 0, None, "отозвана"),
        (None, NOW, 0, None, "истёк"),
        (None, LATER, 5, 5, "использована"),
    ],
)
def test_revoked_expired_and_used_up_links_are_refused_naming_r_chat_6(
    revoked_at: datetime | None, expires_at: datetime, uses: int, max_uses: int | None, says: str
) -> None:
    refusal = unusable_reason(revoked_at, expires_at, uses, max_uses, NOW)
    assert isinstance(refusal, RuleRefused)
    assert refusal.rule == "R-CHAT-6"
    assert says in refusal.message


def test_joining_needs_the_current_rules_version() -> None:
    check_rules_acknowledged(2, 2)
    with pytest.raises(RuleRefused) as refused:
        check_rules_acknowledged(2, 1)
    assert refused.value.rule == "R-CHAT-5"


def test_tokens_carry_at_least_128_random_bits_and_are_kept_hashed() -> None:
    tokens = {new_token() for _ in range(100)}
    assert len(tokens) == 100
    assert all(len(token) >= 22 for token in tokens)  # 128 bits in base64url
    token = next(iter(tokens))
    assert hash_token(token) == hash_token(token)
    assert len(hash_token(token)) == 32
    assert token.encode() not in hash_token(token)


def test_guessing_waits_only_after_too_many_failures() -> None:
    assert guessing_retry_after(20, NOW, NOW) is None
    assert guessing_retry_after(21, None, NOW) is None
    wait = guessing_retry_after(21, NOW - timedelta(minutes=4), NOW)
    assert wait is not None
    assert 0 < wait <= FAILURE_WINDOW.total_seconds()
