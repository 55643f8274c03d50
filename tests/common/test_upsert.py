"""`upsert` builds INSERT … ON CONFLICT (key) DO UPDATE from column names (services/common/upsert.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, Text, func
from sqlalchemy.dialects import postgresql

from services.common.upsert import excluded_of, upsert

members = Table(
    "members",
    MetaData(),
    Column("org", Integer, primary_key=True),
    Column("person", Integer, primary_key=True),
    Column("roles", Text),
    Column("version", Integer),
    Column("since", Integer),
)


def sql(statement: object) -> str:
    return str(statement.compile(dialect=postgresql.dialect()))  # type: ignore[attr-defined]


def test_upsert_takes_the_new_values_of_the_named_columns_on_a_key_conflict() -> None:
    text = sql(upsert(members, {"org": 1, "person": 2, "roles": "x"}, key=("org", "person"), take=("roles",)))
    assert "INSERT INTO members (org, person, roles)" in text
    assert "ON CONFLICT (org, person) DO UPDATE SET roles = excluded.roles" in text


def test_upsert_sets_other_columns_and_keeps_the_newer_row_only() -> None:
    statement = upsert(
        members,
        {"org": 1, "person": 2, "version": 3},
        key=("org", "person"),
        take=("version",),
        also={"since": func.now()},
        where=members.c.version < excluded_of(members).version,
    )
    text = sql(statement)
    assert "SET version = excluded.version, since = now()" in text
    assert "WHERE members.version < excluded.version" in text


def test_an_upsert_that_changes_nothing_is_refused() -> None:
    with pytest.raises(ValueError, match="changes nothing"):
        upsert(members, {"org": 1, "person": 2}, key=("org", "person"))
