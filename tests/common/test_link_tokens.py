"""The link-token policy shared by directory's invites and messaging's chat links
(services/common/link_tokens.py, link_failures.py): lifetimes, use limits, why a link is unusable,
and the guarded look-up against a real failures table."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
import pytest_asyncio
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Identity,
    LargeBinary,
    MetaData,
    Table,
    Text,
    func,
    select,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from services.common.db import Database
from services.common.errors import InvalidArgument, RateLimited
from services.common.link_failures import LinkFailures, look_up
from services.common.link_tokens import (
    DEFAULT_EXPIRY_DAYS,
    FAILURE_WINDOW,
    MAX_ADDRESS_FAILURES,
    MAX_FAILURES,
    MAX_USES,
    RefusalTexts,
    expiry_days,
    explicit_use_limit,
    hash_token,
    new_token,
    token_prefix,
    unusable_refusal,
)

TEXTS = RefusalTexts(revoked="отозвана", expired="истекла", used_up="использована")
NOW = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)

metadata = MetaData()
links = Table(
    "links",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("token_hash", LargeBinary, nullable=False, unique=True),
)
link_failures = Table(
    "link_failures",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("client_address", Text, nullable=False),
    Column("token_prefix", Text, nullable=False, server_default=""),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)


# --- tokens and lifetimes -----------------------------------------------------------------------
def test_tokens_are_fresh_urlsafe_and_looked_up_by_their_hash() -> None:
    first, second = new_token(), new_token()
    assert first != second
    assert len(first) == 32  # 24 bytes, base64url
    assert hash_token(first) == hash_token(first) != hash_token(second)
    assert token_prefix(first) == first[:4]


def test_expiry_is_the_default_week_or_within_the_services_maximum() -> None:
    assert expiry_days(0, maximum=30, rule="R-CHAT-6") == DEFAULT_EXPIRY_DAYS == 7
    assert expiry_days(30, maximum=30, rule="R-CHAT-6") == 30
    assert expiry_days(90, maximum=90, rule="R-INV-2") == 90
    with pytest.raises(InvalidArgument) as refused:
        expiry_days(31, maximum=30, rule="R-CHAT-6")
    assert refused.value.rule == "R-CHAT-6"
    assert "от 1 до 30 дней" in refused.value.message
    with pytest.raises(InvalidArgument):
        expiry_days(-1, maximum=90, rule="R-INV-2")


def test_an_explicit_use_limit_wins_and_zero_leaves_the_default_to_the_service() -> None:
    assert explicit_use_limit(0, what="Число использований", rule="R-INV-2") is None
    assert explicit_use_limit(1, what="Число использований", rule="R-INV-2") == 1
    assert explicit_use_limit(MAX_USES, what="Число использований", rule="R-INV-2") == 1000
    with pytest.raises(InvalidArgument) as refused:
        explicit_use_limit(1001, what="Число использований", rule="R-INV-2")
    assert refused.value.message == "Число использований — от 1 до 1000"
    assert refused.value.rule == "R-INV-2"


def test_a_link_is_unusable_when_revoked_then_expired_then_used_up() -> None:
    later = NOW + timedelta(days=1)
    assert unusable_refusal(None, later, 0, None, NOW, texts=TEXTS, rule="R-CHAT-6") is None
    assert unusable_refusal(None, later, 999, None, NOW, texts=TEXTS, rule="R-CHAT-6") is None  # no limit
    assert unusable_refusal(None, later, 4, 5, NOW, texts=TEXTS, rule="R-INV-2") is None
    used_up = unusable_refusal(None, later, 5, 5, NOW, texts=TEXTS, rule="R-INV-2")
    assert used_up is not None
    assert (used_up.message, used_up.rule) == ("использована", "R-INV-2")
    expired = unusable_refusal(None, NOW, 5, 5, NOW, texts=TEXTS, rule="R-INV-2")
    assert expired is not None
    assert expired.message == "истекла"
    revoked = unusable_refusal(NOW, NOW, 5, 5, NOW, texts=TEXTS, rule="R-INV-2")
    assert revoked is not None
    assert revoked.message == "отозвана"


# --- the guarded look-up against a real table ---------------------------------------------------
@pytest_asyncio.fixture(scope="module")
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url, service="test")
    async with database.transaction("create_tables") as conn:
        await conn.run_sync(metadata.create_all)
    yield database
    await database.close()


async def _find(conn: AsyncConnection, token_hash: bytes) -> int | None:
    found = await conn.scalar(select(links.c.id).where(links.c.token_hash == token_hash))
    return int(found) if found is not None else None


async def _follow(db: Database, token: str, address: str | None) -> int | None:
    failures = LinkFailures(link_failures)
    async with db.transaction("follow") as conn:

        async def find(token_hash: bytes) -> int | None:
            return await _find(conn, token_hash)

        return await look_up(conn, token, address, find=find, failures=failures, rule="R-INV-2")


async def test_a_valid_link_is_found_and_an_unknown_one_counted(db: Database) -> None:
    token = new_token()
    async with db.transaction("insert") as conn:
        link_id = await conn.scalar(links.insert().values(token_hash=hash_token(token)).returning(links.c.id))
    assert await _follow(db, token, "10.0.0.1") == link_id
    assert await _follow(db, "nope" + token, "10.0.0.1") is None
    async with db.transaction("count") as conn:
        counted = await LinkFailures(link_failures).since(
            conn, "10.0.0.1", "nope", NOW - timedelta(days=3650)
        )
    assert (counted.same_prefix, counted.address) == (1, 1)


async def test_past_the_limit_a_guesser_waits_while_valid_links_still_work(db: Database) -> None:
    address = f"10.1.{uuid.uuid4().int % 250}.1"
    token = new_token()
    async with db.transaction("insert") as conn:
        await conn.execute(links.insert().values(token_hash=hash_token(token)))
    for attempt in range(MAX_FAILURES + 1):
        assert await _follow(db, f"AAAA{attempt}", address) is None
    with pytest.raises(RateLimited) as refused:
        await _follow(db, "AAAAx", address)
    assert 1 <= refused.value.retry_after <= FAILURE_WINDOW.total_seconds() + 1
    assert refused.value.rule == "R-INV-2"
    # Another prefix from the same address (another family behind the school's NAT) is only counted,
    # and a valid link is honoured whatever the failures.
    assert await _follow(db, "BBBB", address) is None
    assert await _follow(db, token, address) is not None
    assert MAX_ADDRESS_FAILURES > MAX_FAILURES


async def test_recording_drops_the_addresss_failures_older_than_the_window(db: Database) -> None:
    failures = LinkFailures(link_failures)
    address = "10.2.0.1"
    long_ago = datetime.now(UTC) - FAILURE_WINDOW * 3
    async with db.transaction("old") as conn:
        await conn.execute(
            link_failures.insert().values(client_address=address, token_prefix="OLD1", at=long_ago)
        )
        await failures.record(conn, address, "NEW1", datetime.now(UTC) - FAILURE_WINDOW)
        left = (
            (
                await conn.execute(
                    select(link_failures.c.token_prefix).where(link_failures.c.client_address == address)
                )
            )
            .scalars()
            .all()
        )
    assert left == ["NEW1"]
