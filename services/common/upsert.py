"""`upsert`: PostgreSQL's INSERT … ON CONFLICT (key) DO UPDATE, built once for every store.

Stores keep read models and per-key rows up to date with the same statement — insert these values;
if a row with this key is there, take the new values of some columns (and maybe set others). Here
is that statement, from the names of the columns, so a store says only what differs:

    await conn.execute(upsert(student_classes, {"organisation_id": o, "user_id": u, "class_id": c},
                              key=("organisation_id", "user_id"), take=("class_id",)))

It builds the statement and runs nothing; the store still owns its SQL and its transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Table
from sqlalchemy.dialects.postgresql import Insert, insert


def upsert(
    table: Table,
    values: Mapping[str, Any],
    *,
    key: Sequence[str],
    take: Sequence[str] = (),
    also: Mapping[str, Any] | None = None,
    where: ColumnElement[bool] | None = None,
) -> Insert:
    """Insert `values`; on a conflict on `key` (the columns of a unique index), set the columns in
    `take` to the values this insert brought and those in `also` to what it says (e.g. `func.now()`),
    only where `where` holds (given the table and `excluded`, see `excluded_of`)."""
    statement = insert(table).values(**values)
    changes: dict[str, Any] = {name: statement.excluded[name] for name in take}
    changes.update(also or {})
    if not changes:
        raise ValueError("an upsert that changes nothing is an insert … on conflict do nothing")
    return statement.on_conflict_do_update(
        index_elements=[table.c[name] for name in key], set_=changes, where=where
    )


def excluded_of(table: Table) -> Any:
    """The `excluded` row of an insert into `table`, for an upsert's `where` (the newer one wins)."""
    return insert(table).excluded
