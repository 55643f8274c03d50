"""Broadcasts' rules as plain functions (R-MEDIA-2, R-MEDIA-3).

- R-MEDIA-2: the organisation's administrator plans, changes and cancels a broadcast: a title, a start
  time, one or a few presenters (members of the organisation) and an audience — the whole school,
  the staff, chosen classes' students and/or their parents. The presenters publish; everyone else in
  the audience watches (a viewer's session may not publish: the SFU refuses its offer) and asks
  questions; presenters (and the administrator) see the questions and hide one.
- R-MEDIA-3: only the audience (with the presenters and the administrators) joins the broadcast's call;
  someone else in the organisation is refused (PERMISSION_DENIED naming R-MEDIA-2); another
  organisation's person does not learn the broadcast exists (NOT_FOUND).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.common.errors import InvalidArgument, NotFound, PermissionDenied, RuleRefused
from services.media.broadcasts.parts import Member

RULE = "R-MEDIA-2"
STAFF_ROLES = frozenset({"administrator", "head", "administration", "teacher", "class_teacher", "educator"})
TITLE_MAX = 200
QUESTION_MAX = 1000
PRESENTERS_MAX = 5
# A broadcast's room opens this long before its start (presenters set up, viewers wait).
OPENS_BEFORE = timedelta(minutes=30)
# Listed to the audience until this long after its start.
LISTED_AFTER = timedelta(hours=12)

NOT_FOUND = "Трансляция не найдена"
NOT_AN_ADMINISTRATOR = "Планировать трансляции может только администратор организации"
NOT_IN_AUDIENCE = "Эта трансляция не для вас: её смотрят другие участники организации"
NOT_A_PRESENTER = "Скрывать вопросы может только ведущий трансляции"
CANCELLED = "Трансляция отменена"
NOT_OPEN_YET = "Трансляция ещё не началась: подключиться можно за 30 минут до начала"


@dataclass(frozen=True)
class Audience:
    whole_school: bool = False
    staff: bool = False
    class_ids: frozenset[str] = frozenset()
    students: bool = False
    parents: bool = False


@dataclass(frozen=True)
class Plan:
    title: str
    starts_at: datetime
    presenter_ids: tuple[str, ...]
    audience: Audience


def check_member(member: Member) -> None:
    """Another organisation's person learns nothing (R-MEDIA-3 / R-PRIV-1)."""
    if not member.member:
        raise NotFound(NOT_FOUND, rule=RULE)


def is_administrator(member: Member) -> bool:
    return "administrator" in member.roles


def check_may_plan(member: Member) -> None:
    """R-MEDIA-2: planned by the organisation's administrator."""
    check_member(member)
    if not is_administrator(member):
        raise PermissionDenied(NOT_AN_ADMINISTRATOR, rule=RULE)


def check_plan(plan: Plan) -> Plan:
    """A plan that can be carried out: a title, at least one presenter (a few at most), an audience."""
    title = plan.title.strip()
    if not title:
        raise InvalidArgument("Укажите название трансляции", field="title")
    if len(title) > TITLE_MAX:
        raise InvalidArgument(f"Название — не длиннее {TITLE_MAX} символов", field="title")
    presenters = tuple(dict.fromkeys(plan.presenter_ids))
    if not presenters:
        raise InvalidArgument("Выберите хотя бы одного ведущего", field="presenter_ids")
    if len(presenters) > PRESENTERS_MAX:
        raise InvalidArgument(f"Ведущих — не больше {PRESENTERS_MAX}", field="presenter_ids")
    audience = plan.audience
    if audience.class_ids and not (audience.students or audience.parents):
        raise InvalidArgument("Для выбранных классов укажите: ученики, родители или оба", field="audience")
    if (audience.students or audience.parents) and not audience.class_ids:
        raise InvalidArgument("Выберите классы", field="audience")
    if not (audience.whole_school or audience.staff or audience.class_ids):
        raise InvalidArgument("Выберите, кто смотрит трансляцию", field="audience")
    return Plan(title, plan.starts_at, presenters, audience)


def in_audience(audience: Audience, member: Member) -> bool:
    """R-MEDIA-2: whether the member is among those the broadcast is for."""
    if not member.member:
        return False
    if audience.whole_school:
        return True
    if audience.staff and member.roles & STAFF_ROLES:
        return True
    if audience.students and "student" in member.roles and member.class_ids & audience.class_ids:
        return True
    return bool(audience.parents and member.children_class_ids & audience.class_ids)


def needs_classes(audience: Audience, roles: frozenset[str]) -> bool:
    """Whether only the person's classes can tell if they are in the audience (a student or a parent
    when chosen classes' students or parents watch)."""
    return bool(
        audience.class_ids
        and ((audience.students and "student" in roles) or (audience.parents and "parent" in roles))
    )


def may_watch(audience: Audience, presenter_ids: Collection[str], member: Member, user_id: str) -> bool:
    """The audience, the presenters and the organisation's administrators."""
    return user_id in presenter_ids or is_administrator(member) or in_audience(audience, member)


def check_may_watch(audience: Audience, presenter_ids: Collection[str], member: Member, user_id: str) -> None:
    check_member(member)
    if not may_watch(audience, presenter_ids, member, user_id):
        raise PermissionDenied(NOT_IN_AUDIENCE, rule=RULE)


def may_publish(presenter_ids: Collection[str], user_id: str) -> bool:
    """R-MEDIA-2: only the presenters publish; everyone else watches."""
    return user_id in presenter_ids


def may_manage(presenter_ids: Collection[str], member: Member, user_id: str) -> bool:
    """Presenters and administrators see every question and hide one."""
    return user_id in presenter_ids or is_administrator(member)


def check_open(starts_at: datetime, cancelled: bool, now: datetime) -> None:
    """A cancelled broadcast is closed; the room opens OPENS_BEFORE its start."""
    if cancelled:
        raise RuleRefused(CANCELLED, rule=RULE)
    if now < starts_at - OPENS_BEFORE:
        raise RuleRefused(NOT_OPEN_YET, rule=RULE)


def check_question(text: str) -> str:
    text = text.strip()
    if not text:
        raise InvalidArgument("Напишите вопрос", field="text")
    if len(text) > QUESTION_MAX:
        raise InvalidArgument(f"Вопрос — не длиннее {QUESTION_MAX} символов", field="text")
    return text
