"""Broadcasts as the contract shows them (parta.media.v1.Broadcast, Question) and their rows as the
rules read them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row

from parta.media.v1 import broadcasts_pb2
from services.common.convert import to_timestamp
from services.media.broadcasts import rules


def audience_of(row: Row[Any]) -> rules.Audience:
    return rules.Audience(
        whole_school=row.whole_school,
        staff=row.staff,
        class_ids=frozenset(str(class_id) for class_id in row.class_ids),
        students=row.students,
        parents=row.parents,
    )


def presenters_of(row: Row[Any]) -> tuple[str, ...]:
    return tuple(str(user_id) for user_id in row.presenter_ids)


def audience_from_pb(audience: broadcasts_pb2.Audience) -> rules.Audience:
    return rules.Audience(
        whole_school=audience.whole_school,
        staff=audience.staff,
        class_ids=frozenset(audience.class_ids),
        students=audience.students,
        parents=audience.parents,
    )


def audience_pb(audience: rules.Audience) -> broadcasts_pb2.Audience:
    return broadcasts_pb2.Audience(
        whole_school=audience.whole_school,
        staff=audience.staff,
        class_ids=sorted(audience.class_ids),
        students=audience.students,
        parents=audience.parents,
    )


def question_pb(row: Row[Any]) -> broadcasts_pb2.Question:
    return broadcasts_pb2.Question(
        id=str(row.id),
        broadcast_id=str(row.broadcast_id),
        author_id=str(row.author_id),
        text=row.text,
        asked_at=to_timestamp(row.asked_at),
        hidden=row.hidden_at is not None,
    )
