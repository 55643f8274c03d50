"""The chat rules as plain functions over plain facts: who may create which kind of chat (R-CHAT-1,
R-CHAT-2), who may join which chat by themselves or be invited to it (R-CHAT-4, R-INV-5), who may
post (R-CHAT-2), and what a message may be (R-CHAT-3). Nothing here touches the database."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from services.common.errors import InvalidArgument, PermissionDenied
from services.messaging.readmodel.people import Person

KINDS = ("class", "parents", "class_staff", "subject", "management", "other", "channel")
# Kinds bound to one class of the organisation.
CLASS_KINDS = frozenset({"class", "parents", "class_staff", "subject"})
# Kinds whose audience follows from the directory: the audience joins by itself. The others
# (management, other) have no audience but the people their creator invites.
OPEN_KINDS = frozenset({"class", "parents", "class_staff", "subject", "channel"})
MANAGEMENT_ROLES = frozenset({"head", "administration"})

MAX_MESSAGE_CHARS = 4000
MAX_TITLE_CHARS = 200
MAX_RULES = 20
MAX_RULE_CHARS = 500
PAGE_LIMIT = 100

SYSTEM_CHANNELS = (
    ("school", "Общешкольный канал", False),
    ("staff", "Сотрудники", True),
)

# The default chat rules, from the school's «Положение об этике общения» (chat-ethics annex,
# domain/seeds): purpose (п. 2.1), moderation (п. 2.2, 2.5, 2.6), voluntariness (п. 2.3).
# Rule 3 carries R-PRIV-2 (no advertising, no spam).
DEFAULT_RULES = (
    "Чат создан для оперативной связи по вопросам учёбы и жизни школы: пишите по делу.",
    "Общайтесь уважительно: без оскорблений, грубости, угроз и нецензурных слов.",
    "Не публикуйте рекламу, спам, негативную и избыточную информацию: модератор её удаляет.",
    "Не распространяйте личные данные, фотографии и переписку других участников без их согласия.",
    "Модератор напоминает о правилах тому, кто их нарушает; участника, нарушившего правила "
    "более трёх раз, он вправе заблокировать на срок до одного месяца.",
    "Участие в чате добровольное: никто не вправе принуждать вступать в него.",
)


@dataclass(frozen=True)
class ChatShape:
    """The parts of a chat the rules look at."""

    kind: str
    class_id: uuid.UUID | None = None
    subject: str = ""
    staff_only: bool = False


def check_may_create(person: Person, shape: ChatShape) -> None:
    """R-CHAT-1 / R-CHAT-2: raise PermissionDenied unless `person` may create a chat of this shape."""
    kind = shape.kind
    if kind in ("class", "parents", "class_staff"):
        if shape.class_id is None or shape.class_id not in person.class_teacher_of:
            raise PermissionDenied("Этот чат создаёт классный руководитель этого класса", rule="R-CHAT-1")
    elif kind == "subject":
        if shape.class_id is None or (shape.class_id, shape.subject) not in person.subjects:
            raise PermissionDenied(
                "Предметный чат создаёт учитель, назначенный на этот предмет в этом классе",
                rule="R-CHAT-1",
            )
    elif kind == "management":
        if not person.roles & MANAGEMENT_ROLES:
            raise PermissionDenied(
                "Управленческий чат создаёт руководитель или администрация", rule="R-CHAT-1"
            )
    elif kind == "other":
        if not person.is_staff:
            raise PermissionDenied("Чаты создают сотрудники организации", rule="R-CHAT-1")
    elif kind == "channel":
        if not person.is_admin:
            raise PermissionDenied("Каналы создают администраторы", rule="R-CHAT-2")
    else:
        raise InvalidArgument("Неизвестный вид чата")


def in_audience(person: Person, shape: ChatShape) -> bool:
    """Whether `person` belongs to the chat's audience by the directory: who may join it (open
    kinds) or be invited to it. The class's current class teacher belongs to its class chats."""
    if not person.is_member:
        return False
    kind, class_id = shape.kind, shape.class_id
    if class_id in person.class_teacher_of and kind in ("class", "parents", "class_staff"):
        return True
    if kind == "class":
        return person.student_class == class_id
    if kind == "parents":
        return class_id in person.children_classes
    if kind == "class_staff":
        return class_id is not None and person.teaches_in(class_id)
    if kind == "subject":
        return person.student_class == class_id or (class_id, shape.subject) in person.subjects
    if kind == "channel":
        return person.is_staff or not shape.staff_only
    # management and other: anyone in the organisation, by invitation only.
    return True


def still_belongs(person: Person, shape: ChatShape) -> bool:
    """R-MOVE-2 for role changes that are not a leave: whether a present member of a chat of this
    shape may stay after the directory changed their roles, class or children. Looser than
    `in_audience`: staff stay in class chats they were invited to, and invitees stay in "other"
    chats; only what the person no longer is takes them out — a former student of the class, a
    parent with no child left in it, someone no longer on the staff in staff chats, or someone who
    is no longer a member of the organisation at all."""
    if not person.is_member:
        return False
    kind, class_id = shape.kind, shape.class_id
    if kind in ("class", "subject"):
        return person.is_staff or person.student_class == class_id
    if kind == "parents":
        return person.is_staff or class_id in person.children_classes
    if kind in ("class_staff", "management"):
        return person.is_staff
    if kind == "channel":
        return person.is_staff or not shape.staff_only
    return True


def may_join_alone(person: Person, shape: ChatShape) -> bool:
    """Open kinds are joined by their audience; the others only by accepting an invitation."""
    return shape.kind in OPEN_KINDS and in_audience(person, shape)


def may_post(person: Person, shape: ChatShape) -> bool:
    """R-CHAT-2: in channels only administrators post."""
    return shape.kind != "channel" or person.is_admin


def check_text(text: str) -> str:
    """R-CHAT-3: a text message is 1..4000 characters, stored exactly as written (never interpreted)."""
    if not text.strip():
        raise InvalidArgument("Пустое сообщение")
    if len(text) > MAX_MESSAGE_CHARS:
        raise InvalidArgument(f"Сообщение длиннее {MAX_MESSAGE_CHARS} символов")
    if "\x00" in text:  # PostgreSQL text cannot hold U+0000: bad input, not a server error
        raise InvalidArgument("Сообщение содержит недопустимый символ (U+0000)")
    return text


def clean_rules(rules: list[str]) -> list[str]:
    """The creator's own numbered rules, or the default set when none are given (R-CHAT-5)."""
    cleaned = [rule.strip() for rule in rules if rule.strip()]
    if not cleaned:
        return list(DEFAULT_RULES)
    if len(cleaned) > MAX_RULES:
        raise InvalidArgument(f"Не больше {MAX_RULES} правил")
    if any(len(rule) > MAX_RULE_CHARS for rule in cleaned):
        raise InvalidArgument(f"Правило длиннее {MAX_RULE_CHARS} символов")
    return cleaned


def clean_title(title: str) -> str:
    cleaned = " ".join(title.split())
    if not cleaned:
        raise InvalidArgument("Нужно название чата")
    if len(cleaned) > MAX_TITLE_CHARS:
        raise InvalidArgument(f"Название длиннее {MAX_TITLE_CHARS} символов")
    return cleaned


def page_limit(limit: int) -> int:
    if limit < 0 or limit > PAGE_LIMIT:
        raise InvalidArgument(f"limit: от 1 до {PAGE_LIMIT}")
    return limit or 50
