"""Full-text search over messages through the public HTTP API, every service real: the `russian`
configuration (morphology), only the chats the caller is a member of now (another school's never,
R-ORG-1), deleted messages never, and highlights as plain-text segments (a `<script>` stays text)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest_asyncio

from tests.support.chats import create_chat, join, post, school_with_class_teacher, synced
from tests.support.http import bearer, ok
from tests.support.platform import Platform
from tests.support.schools import ClassSchool

Tokens = dict[str, Any]
MARKERS = ("\x02", "\x03", "\x04", "\x05")


@dataclass
class Searching:
    platform: Platform
    school: ClassSchool
    teacher: Tokens  # class teacher of 5А, creator of the class chat
    student: Tokens  # of 5А, a member of the class chat
    chat: dict[str, Any]  # the class chat of 5А
    other_school_admin: Tokens
    other_school: str

    async def student_of_5a(self) -> Tokens:
        tokens = await self.school.member("student", "5А")
        five_a = uuid.UUID(self.school.classes["5А"])
        await synced(self.platform, self.school.id, tokens["user_id"], lambda p: p.student_class == five_a)
        await join(self.platform, self.chat, tokens)
        return tokens

    async def say(self, text: str, who: Tokens | None = None) -> dict[str, Any]:
        return dict(ok(await post(self.platform, self.chat["id"], who or self.teacher, text), 201))

    async def search(self, who: Tokens, status: int = 200, **params: Any) -> Any:
        response = await self.platform.http.get("/api/v1/search", headers=bearer(who), params=params)
        return ok(response, status)


def texts(hit: dict[str, Any]) -> str:
    return "".join(segment["text"] for segment in hit["highlight"])


def matches(hit: dict[str, Any]) -> list[str]:
    return [segment["text"] for segment in hit["highlight"] if segment["match"]]


@pytest_asyncio.fixture(scope="module")
async def s(platform: Platform) -> Searching:
    base = await school_with_class_teacher(platform, 760, "+79120076076", "+79120076161", ["5А"])
    school, other, teacher = base.school, base.other, base.teacher
    five_a = school.classes["5А"]
    chat = await create_chat(platform, school.id, teacher, kind="class", class_id=five_a)
    searching = Searching(platform, school, teacher, {}, chat, other.school.admin, other.id)
    searching.student = await searching.student_of_5a()
    return searching


async def test_search_finds_other_forms_of_a_russian_word(s: Searching) -> None:
    posted = await s.say("Завтра контрольной по математике не будет")
    found = await s.search(s.student, q="контрольная")
    hit = next(h for h in found["hits"] if h["seq"] == posted["seq"])
    assert hit["chat_id"] == s.chat["id"]
    assert hit["chat_title"] == s.chat["title"]
    assert hit["author_id"] == s.teacher["user_id"]
    assert matches(hit) == ["контрольной"]
    assert texts(hit) == "Завтра контрольной по математике не будет"


async def test_search_finds_a_phrase_in_another_case(s: Searching) -> None:
    posted = await s.say("Проверьте выполнение домашнего задания по чтению")
    found = await s.search(s.student, q="домашнее задание")
    hit = next(h for h in found["hits"] if h["seq"] == posted["seq"])
    assert matches(hit) == ["домашнего", "задания"]
    assert all(h["seq"] != posted["seq"] for h in (await s.search(s.student, q="домашнее -чтение"))["hits"])


async def test_highlight_of_a_message_with_markup_is_plain_text_segments(s: Searching) -> None:
    text = '<script>alert("экзамен")</script> <b>экзамен</b> & <img src=x onerror=alert(1)>'
    posted = await s.say(text)
    found = await s.search(s.student, q="экзамен")
    hit = next(h for h in found["hits"] if h["seq"] == posted["seq"])
    assert matches(hit) == ["экзамен", "экзамен"]
    shown = texts(hit)
    assert shown == text  # a short message is shown whole, exactly as written, as text
    assert all(set(segment) == {"text", "match"} for segment in hit["highlight"])
    assert not any(marker in shown for marker in MARKERS)


async def test_a_long_message_is_shown_as_fragments_around_the_found_words(s: Searching) -> None:
    text = "Вступление. " * 60 + "<i>Выпускной</i> вечер будет в июне. " + "Заключение. " * 60
    posted = await s.say(text)
    hit = next(h for h in (await s.search(s.student, q="выпускной"))["hits"] if h["seq"] == posted["seq"])
    assert matches(hit) == ["Выпускной"]
    shown = texts(hit)
    assert "<i>Выпускной</i> вечер" in shown
    assert len(shown) < len(text) / 3


async def test_search_never_finds_a_deleted_message(s: Searching) -> None:
    posted = await s.say("Родительское собрание переносится на пятницу")
    assert [h["seq"] for h in (await s.search(s.student, q="собрание"))["hits"]] == [posted["seq"]]
    deleted = await s.platform.http.delete(
        f"/api/v1/chats/{s.chat['id']}/messages/{posted['seq']}", headers=bearer(s.teacher)
    )
    ok(deleted)
    assert (await s.search(s.student, q="собрание"))["hits"] == []


async def test_search_only_covers_chats_the_caller_is_a_member_of(s: Searching) -> None:
    staff_only = await create_chat(s.platform, s.school.id, s.teacher, kind="other", title="Педсовет")
    ok(await post(s.platform, staff_only["id"], s.teacher, "Обсудим олимпиаду по физике"), 201)
    await s.say("Олимпиада по физике в среду")
    teacher_hits = (await s.search(s.teacher, q="олимпиада"))["hits"]
    assert {h["chat_id"] for h in teacher_hits} == {staff_only["id"], s.chat["id"]}
    student_hits = (await s.search(s.student, q="олимпиада"))["hits"]
    assert {h["chat_id"] for h in student_hits} == {s.chat["id"]}
    # A chat the student cannot see is not found by its id either.
    await s.search(s.student, 404, q="олимпиада", chat=staff_only["id"])
    only_class = (await s.search(s.teacher, q="олимпиада", chat=s.chat["id"]))["hits"]
    assert {h["chat_id"] for h in only_class} == {s.chat["id"]}
    in_school = (await s.search(s.teacher, q="олимпиада", org=s.school.id))["hits"]
    assert len(in_school) == 2
    await s.search(s.teacher, 404, q="олимпиада", org=s.other_school)


async def test_another_schools_member_finds_nothing_and_gets_404_for_the_schools_chat(s: Searching) -> None:
    await s.say("Экскурсия в планетарий в субботу")
    assert (await s.search(s.student, q="планетарий"))["hits"]
    assert (await s.search(s.other_school_admin, q="планетарий"))["hits"] == []
    await s.search(s.other_school_admin, 404, q="планетарий", chat=s.chat["id"])
    await s.search(s.other_school_admin, 404, q="планетарий", org=s.school.id)


async def test_a_member_removed_from_the_chat_no_longer_finds_its_messages(s: Searching) -> None:
    leaving = await s.student_of_5a()
    await s.say("Дежурство по классу: график на неделю")
    assert (await s.search(leaving, q="дежурство"))["hits"]
    removed = await s.platform.http.post(
        f"/api/v1/chats/{s.chat['id']}/members/{leaving['user_id']}:remove",
        headers=bearer(s.teacher),
        json={"rule": 2, "reason": "Грубость"},
    )
    ok(removed)
    assert (await s.search(leaving, q="дежурство"))["hits"] == []
    await s.search(leaving, 409, q="дежурство", chat=s.chat["id"])  # R-CHAT-5: join first


async def test_search_pages_by_cursor_newest_first_among_equal_ranks(s: Searching) -> None:
    seqs = [(await s.say(f"Субботник номер {n}"))["seq"] for n in range(3)]
    first = await s.search(s.student, q="субботник", limit=2)
    assert [h["seq"] for h in first["hits"]] == [seqs[2], seqs[1]]
    assert first["next_cursor"]
    second = await s.search(s.student, q="субботник", limit=2, cursor=first["next_cursor"])
    assert [h["seq"] for h in second["hits"]] == [seqs[0]]
    assert second["next_cursor"] is None


async def test_a_better_match_ranks_above_a_newer_one(s: Searching) -> None:
    better = await s.say("Спектакль, спектакль и ещё раз спектакль: репетиция спектакля")
    newer = await s.say("Про спектакль")
    hits = (await s.search(s.student, q="спектакль"))["hits"]
    assert [h["seq"] for h in hits] == [better["seq"], newer["seq"]]


async def test_empty_or_unreadable_queries_are_refused(s: Searching) -> None:
    await s.search(s.student, 400, q="   ")
    await s.search(s.student, 400, q="\x02\x03")
    await s.search(s.student, 400, q="урок", cursor="abc")
    assert (await s.search(s.student, q="и"))["hits"] == []  # a stop word finds nothing, not an error


async def test_an_edited_message_is_found_by_its_new_words_only(s: Searching) -> None:
    posted = await s.say("Встреча в библиотеке")
    assert [h["seq"] for h in (await s.search(s.student, q="библиотека"))["hits"]] == [posted["seq"]]
    edited = await s.platform.http.patch(
        f"/api/v1/chats/{s.chat['id']}/messages/{posted['seq']}",
        headers=bearer(s.teacher),
        json={"text": "Встреча в спортзале"},
    )
    ok(edited)
    assert (await s.search(s.student, q="библиотека"))["hits"] == []
    assert [h["seq"] for h in (await s.search(s.student, q="спортзале"))["hits"]] == [posted["seq"]]
