"""Search and chat invite links in a real browser (issue 6): a student searches «контрольная», finds
the teacher's «контрольной» with the word marked (a <mark> the page makes; the message's markup stays
text) and opens the chat; the class teacher makes a chat link in the chat, a new student opens it,
reads the numbered rules and joins with «Вступить» (R-CHAT-4, R-CHAT-5, R-CHAT-6)."""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

import pytest_asyncio
from playwright.async_api import expect

from tests.support.chats import create_chat, join, post, synced
from tests.support.http import bearer, ok
from tests.support.platform import Platform
from tests.support.schools import ClassSchool, class_school, operator_tokens
from tests.web.browser import Person, serious_violations, shoot, sign_in, use_tokens

Tokens = dict[str, Any]


@dataclass
class World:
    platform: Platform
    school: ClassSchool
    teacher: Tokens  # class teacher of 5А, creator of the class chat
    chat: dict[str, Any]

    async def student(self) -> Tokens:
        tokens = await self.school.member("student", "5А")
        five_a = uuid.UUID(self.school.classes["5А"])
        await synced(self.platform, self.school.id, tokens["user_id"], lambda p: p.student_class == five_a)
        return tokens


@pytest_asyncio.fixture(scope="module")
async def world(platform: Platform) -> World:
    operator = await operator_tokens(platform, "+79990000780")
    school = await class_school(platform, operator, 780, "+79120078078", ["5А"])
    teacher = await school.member("teacher", who="classteacher")
    five_a = school.classes["5А"]
    response = await platform.http.put(
        f"/api/v1/orgs/{school.id}/classes/{five_a}/class-teacher",
        headers=school.admin,
        json={"user_id": teacher["user_id"]},
    )
    assert response.status_code == 200, response.text
    await synced(platform, school.id, teacher["user_id"], lambda p: uuid.UUID(five_a) in p.class_teacher_of)
    chat = await create_chat(platform, school.id, teacher, kind="class", class_id=five_a)
    return World(platform, school, teacher, chat)


async def test_search_finds_a_message_and_marks_the_found_word(world: World, person: Person) -> None:
    student = await world.student()
    await join(world.platform, world.chat, student)
    text = "<b>Завтра</b> контрольной не будет"
    posted = ok(
        await world.platform.http.post(
            f"/api/v1/chats/{world.chat['id']}/messages", headers=bearer(world.teacher), json={"text": text}
        ),
        201,
    )
    page = await person()
    await use_tokens(page, student, "/chats")
    await page.get_by_role("searchbox", name="Поиск по сообщениям").fill("контрольная")
    await page.get_by_role("button", name="Найти").click()
    await expect(page.get_by_role("heading", name="Поиск по сообщениям")).to_be_visible()
    results = page.get_by_role("list", name="Найденные сообщения")
    hit = results.get_by_role("listitem").first
    await expect(hit.locator(".snippet")).to_have_text(text)  # the markup is shown as text
    await expect(hit.locator("mark")).to_have_text("контрольной")
    await expect(hit.locator(".snippet b")).to_have_count(0)
    await expect(hit).to_contain_text(world.chat["title"])
    assert not await serious_violations(page)
    await shoot(page, "search")
    await hit.get_by_role("link", name=world.chat["title"]).click()
    await expect(page.get_by_role("heading", name=world.chat["title"])).to_be_visible()
    # The chat opens at the message found, marked and focused.
    found = page.locator(".history .found")
    await expect(found).to_contain_text("контрольной не будет")
    await expect(found).to_be_focused()
    assert not await serious_violations(page)

    # Older than the first page of history: the chat pages back to it.
    for n in range(55):
        ok(await post(world.platform, world.chat["id"], world.teacher, f"Объявление {n}"), 201)
    await page.goto(f"/chats/{world.chat['id']}?seq={posted['seq']}")
    await expect(page.locator(".history .found")).to_contain_text("контрольной не будет")


async def test_a_student_joins_a_chat_by_link_after_accepting_its_rules(world: World, person: Person) -> None:
    teacher = await person()
    await use_tokens(teacher, world.teacher, f"/chats/{world.chat['id']}")
    await teacher.get_by_role("button", name="О чате").click()
    await teacher.get_by_text("Ссылка-приглашение", exact=True).click()
    await teacher.get_by_label("Сколько человек может вступить").fill("5")
    await teacher.get_by_role("button", name="Создать ссылку").click()
    url_box = teacher.get_by_label("Ссылка — покажется один раз, сохраните её")
    await expect(url_box).to_have_value(re.compile(r"/chat-link/[A-Za-z0-9_-]{30,}$"))
    url = await url_box.input_value()
    await expect(teacher.get_by_role("list", name="Ссылки-приглашения")).to_contain_text("вступили: 0 из 5")
    assert not await serious_violations(teacher)

    # Someone not yet in the school opens the link, signs in there, and is told to join the school first.
    email = f"linked-{uuid.uuid4().hex[:8]}@people.example"
    page = await person()
    await sign_in(page, world.platform, email, "/chat-link/" + url.rsplit("/chat-link/", 1)[1])
    await expect(page.get_by_role("heading", name="Приглашение в чат")).to_be_visible()
    await expect(page.get_by_role("note")).to_contain_text("Вступить в организацию")
    await expect(page.get_by_role("button", name="Вступить")).to_have_count(0)
    # The school takes them in as a student of 5А (R-INV-3); the link now leads to the rules.
    student = json.loads(await page.evaluate("localStorage.getItem('parta.session')"))
    requested = await world.school.request_to_join(student, "student", "5А")
    assert requested.status_code == 201, requested.text
    approved = await world.platform.http.post(
        f"/api/v1/orgs/{world.school.id}/join-requests/{requested.json()['id']}:approve",
        headers=world.school.admin,
    )
    assert approved.status_code == 200, approved.text
    five_a = uuid.UUID(world.school.classes["5А"])
    await synced(world.platform, world.school.id, student["user_id"], lambda p: p.student_class == five_a)
    await page.reload()
    await expect(page.locator(".chat-title")).to_have_text(world.chat["title"])
    rules = page.get_by_role("region", name="Правила чата")
    await expect(rules.get_by_role("listitem")).to_have_count(len(world.chat["rules"]))
    assert not await serious_violations(page)
    await shoot(page, "chat-link")
    await page.get_by_role("button", name="Вступить").click()
    await expect(page.get_by_role("alert")).to_contain_text("принимаете правила")  # not yet accepted
    await page.get_by_label("Я прочитал(а) правила чата и принимаю их").check()
    await page.get_by_role("button", name="Вступить").click()
    await expect(page.get_by_role("heading", name=world.chat["title"])).to_be_visible()
    members = ok(
        await world.platform.http.get(f"/api/v1/chats/{world.chat['id']}/members", headers=bearer(student))
    )
    assert student["user_id"] in {m["user_id"] for m in members["members"]}
