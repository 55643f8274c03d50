"""Polls and "seen by" in real browsers (issue 6, chat screen; R-CHAT-3): the class teacher creates a
poll from the composer's «Опрос» form, a student votes with a radio button, and the teacher's page
shows the new count without a reload (live `poll_updated`); an option's markup stays text. In the
school channel the administrator sees «Просмотров: N» rise as members read; the members do not.
axe-core finds nothing serious on the poll screen."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest_asyncio
from playwright.async_api import Page, expect

from tests.support.chats import appoint_class_teacher, create_chat, enrolled_students, join, system_channel
from tests.support.http import bearer, ok
from tests.support.platform import Platform
from tests.support.schools import ClassSchool, class_school, operator_tokens
from tests.support.waiting import until
from tests.web.browser import DESKTOP, Person, serious_violations, shoot, use_tokens

Tokens = dict[str, Any]
MARKUP = "<img src=x onerror=alert(1)>"


@dataclass
class World:
    school: ClassSchool
    teacher: Tokens
    students: list[Tokens]
    class_chat: dict[str, Any]

    @property
    def admin(self) -> Tokens:
        return self.school.school.admin


@pytest_asyncio.fixture(scope="module")
async def world(platform: Platform) -> World:
    operator = await operator_tokens(platform, "+79990000770")
    school = await class_school(platform, operator, 770, "+79120077077", ["5А"])
    teacher = await appoint_class_teacher(platform, school, "5А")
    students = await enrolled_students(platform, school, "5А", 2)
    chat = await create_chat(platform, school.id, teacher, kind="class", class_id=school.classes["5А"])
    for student in students:
        await join(platform, chat, student)
    return World(school, teacher, students, chat)


def poll(page: Page, question: str) -> Any:
    return page.get_by_role("group", name=question)


async def test_r_chat_3_teacher_creates_a_poll_student_votes_and_the_teacher_sees_the_count_live(
    world: World, person: Person
) -> None:
    chat = f"/chats/{world.class_chat['id']}"
    teacher = await person(DESKTOP)
    await use_tokens(teacher, world.teacher, chat)
    await expect(teacher.locator(".live-status")).to_have_attribute("data-live", "live")
    await teacher.get_by_role("button", name="Опрос", exact=True).click()
    form = teacher.get_by_role("form", name="Новый опрос")
    await form.get_by_label("Вопрос").fill("Когда идём в музей?")
    await form.get_by_label("Вариант 1", exact=True).fill("В субботу")
    await form.get_by_label("Вариант 2", exact=True).fill(MARKUP)
    await form.get_by_role("button", name="Добавить вариант").click()
    await expect(form.get_by_label("Вариант 3", exact=True)).to_be_focused()
    await form.get_by_label("Вариант 3", exact=True).fill("В воскресенье")
    assert await serious_violations(teacher) == []  # the form: labels, fieldsets, legends
    await form.get_by_role("button", name="Опубликовать опрос").click()
    await expect(form).to_have_count(0)
    mine = poll(teacher, "Когда идём в музей?")
    await expect(mine).to_contain_text("Проголосовали: 0")

    student = await person()
    await use_tokens(student, world.students[0], chat)
    theirs = poll(student, "Когда идём в музей?")
    await expect(theirs.get_by_role("radio")).to_have_count(3)
    await expect(theirs.get_by_label(MARKUP, exact=True)).to_be_visible()  # markup stays text
    await theirs.get_by_role("radio", name="В воскресенье").check()
    await student.get_by_role("button", name="Голосовать").click()
    await expect(theirs).to_contain_text("Проголосовали: 1")
    await expect(theirs.get_by_role("radio", name="В воскресенье")).to_be_checked()
    await expect(student.get_by_role("button", name="Изменить голос")).to_be_visible()

    # The teacher's page updates without a reload: a live `poll_updated` frame.
    await expect(mine).to_contain_text("Проголосовали: 1", timeout=2_000)
    await expect(mine.get_by_label("В воскресенье: 1 голос")).to_be_visible()
    assert await serious_violations(teacher) == []
    await shoot(student, "poll")

    # The teacher closes the poll; the student's page shows it closed, the inputs disabled.
    await teacher.get_by_role("button", name="Закрыть опрос").click()
    await expect(mine).to_contain_text("опрос закрыт")
    await expect(theirs).to_contain_text("опрос закрыт", timeout=2_000)
    await expect(theirs.get_by_role("radio", name="В субботу")).to_be_disabled()


async def test_channel_post_shows_how_many_members_read_it_to_the_administrator(
    platform: Platform, world: World, person: Person
) -> None:
    channel = await system_channel(platform, world.school.id, world.admin, "school")
    for member in (world.admin, *world.students):
        await join(platform, channel, member)
    ok(
        await platform.http.post(
            f"/api/v1/chats/{channel['id']}/messages",
            headers=bearer(world.admin),
            json={"text": "Завтра уроки до 13:00"},
        ),
        201,
    )
    student = await person()
    await use_tokens(student, world.students[1], f"/chats/{channel['id']}")
    post = student.locator(".history > li", has_text="Завтра уроки до 13:00")
    await expect(post).to_be_visible()
    await expect(post.locator(".seen")).to_have_count(0)  # members see the post, not the count

    async def read_by_student() -> bool:
        state = ok(
            await platform.http.get(f"/api/v1/chats/{channel['id']}", headers=bearer(world.students[1]))
        )
        return bool(state["unread_count"] == 0)

    await until(read_by_student, what="the student's read mark")  # opening the channel marked it read
    admin = await person()
    await use_tokens(admin, world.admin, f"/chats/{channel['id']}")
    await expect(admin.locator(".history > li", has_text="Завтра уроки до 13:00")).to_contain_text(
        "Просмотров: 1"
    )
