"""The poll rules as plain functions over plain facts (R-CHAT-3: members create polls): what a poll
is (2..10 distinct options, a short question), which choices a vote may make, whether a poll is
closed, who closes it, who sees its voters, who sees how many people read a channel post ("seen
by"), and the key under which a vote is stored. Nothing here touches the database."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from services.common.errors import InvalidArgument, RuleRefused
from services.messaging.moderation.parts import may_moderate
from services.messaging.readmodel.people import Person

MIN_OPTIONS = 2
MAX_OPTIONS = 10
MAX_QUESTION_CHARS = 300
MAX_OPTION_CHARS = 100


@dataclass(frozen=True)
class PollDraft:
    """A poll as its author asks for it."""

    question: str
    options: tuple[str, ...]
    multiple: bool = False
    anonymous: bool = False
    closes_at: datetime | None = None


def clean_poll(draft: PollDraft, now: datetime) -> PollDraft:
    """The draft with spaces tidied; InvalidArgument unless it is a poll: a question of at most 300
    characters, 2..10 options of at most 100 characters, no two alike, and a closing time (if any)
    in the future."""
    if "\x00" in draft.question or any("\x00" in option for option in draft.options):
        raise InvalidArgument("Опрос содержит недопустимый символ (U+0000)")
    question = " ".join(draft.question.split())
    if not question:
        raise InvalidArgument("Напишите вопрос опроса")
    if len(question) > MAX_QUESTION_CHARS:
        raise InvalidArgument(f"Вопрос опроса длиннее {MAX_QUESTION_CHARS} символов")
    options = tuple(" ".join(option.split()) for option in draft.options)
    if any(not option for option in options):
        raise InvalidArgument("Вариант ответа не может быть пустым")
    if len(options) < MIN_OPTIONS:
        raise InvalidArgument(f"В опросе нужно не меньше {MIN_OPTIONS} вариантов ответа")
    if len(options) > MAX_OPTIONS:
        raise InvalidArgument(f"В опросе не больше {MAX_OPTIONS} вариантов ответа")
    if any(len(option) > MAX_OPTION_CHARS for option in options):
        raise InvalidArgument(f"Вариант ответа длиннее {MAX_OPTION_CHARS} символов")
    if len({option.casefold() for option in options}) != len(options):
        raise InvalidArgument("Варианты ответа повторяются")
    if draft.closes_at is not None and draft.closes_at <= now:
        raise InvalidArgument("Время закрытия опроса должно быть в будущем")
    return PollDraft(question, options, draft.multiple, draft.anonymous, draft.closes_at)


def is_closed(closed_at: datetime | None, closes_at: datetime | None, now: datetime) -> bool:
    """Closed by someone, or by its time: checked against now, so no job is needed to close it."""
    return closed_at is not None or (closes_at is not None and closes_at <= now)


def check_choices(choices: Sequence[int], option_count: int, multiple: bool) -> tuple[int, ...]:
    """The chosen option indexes, sorted and without repeats; InvalidArgument for an index the poll
    does not have, for no choice, or for several in a single-choice poll."""
    chosen = tuple(sorted(set(choices)))
    if not chosen:
        raise InvalidArgument("Выберите вариант ответа")
    if any(index < 0 or index >= option_count for index in chosen):
        raise InvalidArgument(f"В опросе нет такого варианта: номера от 0 до {option_count - 1}")
    if len(chosen) > 1 and not multiple:
        raise InvalidArgument("В этом опросе можно выбрать только один вариант")
    return chosen


def check_open(closed: bool) -> None:
    """A closed poll takes no votes and no retractions: its result stands (R-CHAT-3)."""
    if closed:
        raise RuleRefused("Опрос закрыт: голосовать больше нельзя", rule="R-CHAT-3")


def may_close(person: Person, author_id: uuid.UUID, created_by: uuid.UUID | None, named: bool) -> bool:
    """The poll's author, the chat's moderators (R-MOD-1) and the organisation's administrators."""
    return person.user_id == author_id or may_moderate(person, created_by, named)


def may_list_voters(
    anonymous: bool,
    chat_kind: str,
    person: Person,
    author_id: uuid.UUID,
    created_by: uuid.UUID | None,
    named: bool,
) -> bool:
    """Who sees who voted how. Never anyone for an anonymous poll. In a chat, every member (they talk
    to each other anyway, as in an open show of hands). In a channel the members are an audience,
    not a conversation: a parent's answer to a school survey is for the school, so only the author,
    the channel's moderators and the administrators see it (R-PRIV-1)."""
    if anonymous:
        return False
    if chat_kind != "channel":
        return True
    return may_close(person, author_id, created_by, named)


def sees_seen_count(
    chat_kind: str, person: Person, author_id: uuid.UUID, created_by: uuid.UUID | None, named: bool
) -> bool:
    """ "Seen by" is for channel posts, shown to those who publish and run the channel: the post's
    author, the channel's moderators and the organisation's administrators. Members do not see it:
    a count of readers is the school's tool to know an announcement reached people, not a
    popularity score, and in a small channel it would tell who has not read yet."""
    return chat_kind == "channel" and may_close(person, author_id, created_by, named)


def voter_key(anonymous: bool, secret: bytes | None, user_id: uuid.UUID) -> str | None:
    """The key a vote is stored under. Open polls: the person's id. Anonymous polls: an HMAC of the
    id under the poll's own random secret, so the voter finds (and changes) their vote while no row
    names them; the secret is erased when the poll is closed, and then nobody can link a vote to a
    person any more. None: an anonymous poll whose secret is gone (closed)."""
    if not anonymous:
        return str(user_id)
    if secret is None:
        return None
    return hmac.new(secret, user_id.bytes, hashlib.sha256).hexdigest()
