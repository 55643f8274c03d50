"""The poll rules as plain functions (services/messaging/poll_rules.py), without a database."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from services.common.errors import InvalidArgument, RuleRefused
from services.messaging.polls.rules import (
    PollDraft,
    check_choices,
    check_open,
    clean_poll,
    is_closed,
    may_close,
    may_list_voters,
    sees_seen_count,
    voter_key,
)
from services.messaging.readmodel.people import Person

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
AUTHOR = Person(uuid.uuid4(), frozenset({"teacher"}))
STUDENT = Person(uuid.uuid4(), frozenset({"student"}))
ADMIN = Person(uuid.uuid4(), frozenset({"administrator"}))
CREATOR = uuid.uuid4()


def test_poll_with_one_option_refused() -> None:
    with pytest.raises(InvalidArgument, match="не меньше 2"):
        clean_poll(PollDraft("Идём?", ("Да",)), NOW)


def test_poll_draft_is_tidied_and_checked() -> None:
    poll = clean_poll(PollDraft("  Когда   собрание? ", (" Вторник ", "Четверг")), NOW)
    assert (poll.question, poll.options) == ("Когда собрание?", ("Вторник", "Четверг"))
    for bad in (
        PollDraft("", ("Да", "Нет")),
        PollDraft("?" * 301, ("Да", "Нет")),
        PollDraft("?", tuple(str(i) for i in range(11))),
        PollDraft("?", ("Да", "ДА")),
        PollDraft("?", ("Да", "")),
        PollDraft("?", ("Да", "н" * 101)),
        PollDraft("?", ("Да", "Нет"), closes_at=NOW),
    ):
        with pytest.raises(InvalidArgument):
            clean_poll(bad, NOW)
    assert clean_poll(PollDraft("?", tuple(str(i) for i in range(10))), NOW).options[-1] == "9"


def test_single_choice_takes_one_option_multiple_takes_several() -> None:
    assert check_choices([2], 3, multiple=False) == (2,)
    assert check_choices([2, 0, 2], 3, multiple=True) == (0, 2)
    with pytest.raises(InvalidArgument, match="только один"):
        check_choices([0, 1], 3, multiple=False)
    for bad in ([], [3], [-1]):
        with pytest.raises(InvalidArgument):
            check_choices(bad, 3, multiple=True)


def test_a_poll_is_closed_by_someone_or_by_its_time() -> None:
    assert not is_closed(None, None, NOW)
    assert not is_closed(None, NOW + timedelta(seconds=1), NOW)
    assert is_closed(None, NOW, NOW)
    assert is_closed(NOW - timedelta(days=1), None, NOW)
    with pytest.raises(RuleRefused) as refused:
        check_open(True)
    assert refused.value.rule == "R-CHAT-3"
    check_open(False)


def test_author_moderators_and_administrators_close_a_poll() -> None:
    assert may_close(AUTHOR, AUTHOR.user_id, CREATOR, named=False)
    assert may_close(ADMIN, AUTHOR.user_id, CREATOR, named=False)
    assert may_close(Person(CREATOR, frozenset({"teacher"})), AUTHOR.user_id, CREATOR, named=False)
    assert may_close(STUDENT, AUTHOR.user_id, CREATOR, named=True)  # a named moderator
    assert not may_close(STUDENT, AUTHOR.user_id, CREATOR, named=False)


def test_anonymous_poll_voters_are_listed_to_nobody() -> None:
    for person in (AUTHOR, ADMIN, STUDENT):
        for kind in ("class", "channel"):
            assert not may_list_voters(True, kind, person, AUTHOR.user_id, CREATOR, named=True)


def test_open_poll_voters_go_to_the_chat_but_in_a_channel_to_the_school_only() -> None:
    assert may_list_voters(False, "class", STUDENT, AUTHOR.user_id, CREATOR, named=False)
    assert not may_list_voters(False, "channel", STUDENT, AUTHOR.user_id, CREATOR, named=False)
    assert may_list_voters(False, "channel", ADMIN, AUTHOR.user_id, CREATOR, named=False)


def test_seen_count_is_for_channel_posts_and_those_who_run_the_channel() -> None:
    assert sees_seen_count("channel", ADMIN, AUTHOR.user_id, None, named=False)
    assert sees_seen_count("channel", AUTHOR, AUTHOR.user_id, None, named=False)
    assert not sees_seen_count("channel", STUDENT, AUTHOR.user_id, None, named=False)
    assert not sees_seen_count("class", ADMIN, AUTHOR.user_id, None, named=False)


def test_anonymous_votes_are_stored_under_a_key_that_names_nobody() -> None:
    user = uuid.uuid4()
    assert voter_key(False, None, user) == str(user)
    secret = b"k" * 32
    key = voter_key(True, secret, user)
    assert key is not None
    assert str(user) not in key
    assert user.hex not in key
    assert key == voter_key(True, secret, user)  # the voter finds their vote again
    assert key != voter_key(True, b"j" * 32, user)  # another poll, another key
    assert voter_key(True, None, user) is None  # the key is erased on closing
