"""One-time codes as plain rules: six digits, hashed with a key, and rate limits per destination
and per client address (R-PRIV-3)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.common.errors import InvalidArgument, RateLimited
from services.identity.codes import (
    CodeLimits,
    RecentCodes,
    check_rate_limits,
    clean_code,
    code_matches,
    hash_code,
    new_code,
)

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
LIMITS = CodeLimits(resend_seconds=60, per_destination_per_hour=10, per_address_per_hour=300)


def recent(**values: object) -> RecentCodes:
    base: dict[str, object] = {
        "last_to_destination": None,
        "hour_to_destination": 0,
        "oldest_in_hour_to_destination": None,
        "hour_from_address": 0,
        "oldest_in_hour_from_address": None,
    }
    base.update(values)
    return RecentCodes(**base)  # type: ignore[arg-type]


def test_codes_are_six_digits_and_vary() -> None:
    codes = {new_code() for _ in range(200)}
    assert all(len(code) == 6 and code.isdigit() for code in codes)
    assert len(codes) > 150


def test_stored_hash_matches_only_the_code_and_its_id() -> None:
    stored = hash_code(b"pepper", "id-1", "123456")
    assert code_matches(b"pepper", "id-1", "123456", stored)
    assert not code_matches(b"pepper", "id-1", "123457", stored)
    assert not code_matches(b"pepper", "id-2", "123456", stored)
    assert not code_matches(b"other", "id-1", "123456", stored)


def test_code_with_spaces_is_cleaned_and_letters_refused() -> None:
    assert clean_code(" 123 456 ") == "123456"
    with pytest.raises(InvalidArgument):
        clean_code("12a456")


def test_first_code_is_allowed() -> None:
    check_rate_limits(recent(), LIMITS, NOW)


def test_second_code_within_a_minute_is_refused_with_retry_after() -> None:
    with pytest.raises(RateLimited) as refused:
        check_rate_limits(recent(last_to_destination=NOW - timedelta(seconds=20)), LIMITS, NOW)
    assert 40 <= refused.value.retry_after <= 41


def test_eleventh_code_in_an_hour_is_refused_until_the_oldest_ages_out() -> None:
    values = {
        "last_to_destination": NOW - timedelta(minutes=5),
        "hour_to_destination": 10,
        "oldest_in_hour_to_destination": NOW - timedelta(minutes=50),
    }
    with pytest.raises(RateLimited) as refused:
        check_rate_limits(recent(**values), LIMITS, NOW)
    assert 600 <= refused.value.retry_after <= 601


def test_one_address_asking_for_too_many_codes_is_refused() -> None:
    values = {"hour_from_address": 300, "oldest_in_hour_from_address": NOW - timedelta(minutes=59)}
    with pytest.raises(RateLimited, match="с этого адреса"):
        check_rate_limits(recent(**values), LIMITS, NOW)
