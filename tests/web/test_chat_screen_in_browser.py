"""The chat screen as a messenger (issue 11, item 3), on a 375×667 phone and a desktop: the newest
message is in view and not under the composer after opening and after sending; a chat with unread
messages opens at the first of them under a marker; the composer is one line and grows; a draft
survives a reload; a message sent without a connection stays as «Не отправлено» and goes once the
connection returns, exactly once; the chats list (the home screen) shows each chat's last message,
newest activity first. The history here is made through the API: the first-week story sets a school
up through the browser only (test_first_week.py)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import pytest_asyncio
from playwright.async_api import Page, expect

from tests.support.chats import appoint_class_teacher, create_chat, enrolled_students, join, post
from tests.support.http import ok
from tests.support.platform import Platform
from tests.support.schools import ClassSchool, class_school, operator_tokens
from tests.web.browser import DESKTOP, Person, assert_readable, serious_violations, use_tokens

Tokens = dict[str, Any]
SMALL_PHONE = {"width": 375, "height": 667}


@dataclass
class Talk:
    school: ClassSchool
    teacher: Tokens
    student: Tokens
    chat: dict[str, Any]


@pytest_asyncio.fixture(scope="module")
async def talk(platform: Platform) -> Talk:
    operator = await operator_tokens(platform, "+79990000640")
    school = await class_school(platform, operator, 640, "+79120064064", ["6Б"])
    teacher = await appoint_class_teacher(platform, school, "6Б")
    (student,) = await enrolled_students(platform, school, "6Б", 1)
    chat = await create_chat(platform, school.id, teacher, kind="class", class_id=school.classes["6Б"])
    await join(platform, chat, student)
    for n in range(1, 31):
        ok(await post(platform, chat["id"], teacher, f"Задача № {n}: мат в два хода."), 201)
    return Talk(school, teacher, student, chat)


async def newest_in_view(page: Page) -> None:
    """The newest message's box is inside the window and above the composer, not under it."""
    box = await page.locator(".history > li.msg").last.bounding_box()
    composer = await page.locator("form.composer").bounding_box()
    viewport = page.viewport_size
    assert box is not None
    assert composer is not None
    assert viewport is not None
    assert box["y"] >= 0, (box, viewport)
    assert box["y"] + box["height"] <= viewport["height"], (box, viewport)
    assert box["y"] + box["height"] <= composer["y"] + 1, (box, composer)


async def test_newest_message_is_in_view_after_opening_and_after_sending_on_a_small_phone(
    talk: Talk, person: Person
) -> None:
    page = await person(SMALL_PHONE)
    await use_tokens(page, talk.teacher, f"/chats/{talk.chat['id']}")
    await expect(page.locator(".history > li.msg").last).to_contain_text("Задача № 30")
    await newest_in_view(page)
    # The composer is one line (44 px), with icon buttons that have names.
    box = page.get_by_label("Сообщение", exact=True)
    assert (await box.bounding_box())["height"] < 60
    for name in ("Прикрепить файл", "Опрос", "Отправить", "Все чаты", "О чате: правила и участники"):
        button = page.get_by_role("button", name=name).or_(page.get_by_role("link", name=name))
        size = await button.first.bounding_box()
        assert size is not None, name
        assert min(size["width"], size["height"]) >= 44, (name, size)
    # It grows with its text (Shift+Enter) and stops growing after six lines.
    for _ in range(3):
        await box.press("Shift+Enter")
    taller = (await box.bounding_box())["height"]
    assert taller > 80
    for _ in range(12):
        await box.press("Shift+Enter")
    assert (await box.bounding_box())["height"] < 200
    await box.fill("")
    await box.press_sequentially("Решение: ферзь на h7.")
    await box.press("Enter")
    await expect(page.locator(".history > li.msg.mine").last).to_contain_text("Решение: ферзь на h7.")
    await expect(page.locator("li.pending")).to_have_count(0)
    await newest_in_view(page)
    # The tab bar and the page header give the chat the whole phone screen.
    await expect(page.locator("nav.nav")).to_be_hidden()
    # Day separators and times: today's messages sit under «Сегодня».
    await expect(page.locator(".history > li.day").first).to_have_text("Сегодня")
    await assert_readable(page, "chat on a small phone")
    assert await serious_violations(page) == [], "chat on a small phone"


async def test_a_chat_with_unread_messages_opens_at_the_first_of_them(
    platform: Platform, talk: Talk, person: Person
) -> None:
    page = await person(SMALL_PHONE)
    await use_tokens(page, talk.student, f"/chats/{talk.chat['id']}")
    await expect(page.locator(".history > li.msg").last).to_be_visible()
    await page.get_by_role("link", name="Все чаты").click()
    for n in range(1, 13):
        ok(await post(platform, talk.chat["id"], talk.teacher, f"Новая задача {n}"), 201)
    # The list shows the last message and its unread count; this chat is on top (newest activity).
    row = page.get_by_role("list", name="Мои чаты").get_by_role("listitem").first
    await page.reload()
    await expect(row).to_contain_text(talk.chat["title"])
    await expect(row).to_contain_text("Новая задача 12")
    await expect(row.locator(".badge.unread")).to_contain_text("12")
    await assert_readable(page, "chats list")
    await row.get_by_role("link").click()
    marker = page.locator(".unread-marker")
    await expect(marker).to_have_text("Непрочитанные сообщения")
    await expect(marker).to_be_in_viewport()
    following = page.locator(".unread-marker + li.msg")
    await expect(following).to_contain_text("Новая задача 1")
    await expect(following).to_be_in_viewport()


async def test_a_draft_survives_a_reload_and_an_offline_message_is_sent_once_when_back_online(
    talk: Talk, person: Person
) -> None:
    page = await person(DESKTOP)
    await use_tokens(page, talk.student, f"/chats/{talk.chat['id']}")
    box = page.get_by_label("Сообщение", exact=True)
    await box.press_sequentially("Можно я приду в четверг?")
    await page.reload()
    await expect(box).to_have_value("Можно я приду в четверг?")

    await page.context.set_offline(True)
    await box.press("Enter")
    await expect(box).to_have_value("")
    failed = page.locator("li.pending.failed")
    await expect(failed).to_contain_text("Можно я приду в четверг?")
    await expect(failed).to_contain_text("Не отправлено")
    await expect(page.get_by_role("status").filter(has_text="Нет связи")).to_be_visible()
    # Still there after a reload while offline? The page itself cannot load offline: the outbox is
    # kept in the browser, and the chat shows it again on the next visit.
    await page.context.set_offline(False)
    sent = page.locator(".history > li.msg.mine:not(.pending)", has_text="Можно я приду в четверг?")
    await expect(sent).to_have_count(1, timeout=10_000)
    await expect(page.locator("li.pending")).to_have_count(0)
    await expect(page.get_by_role("status").filter(has_text="Нет связи")).to_be_hidden()
    await page.reload()
    await expect(sent).to_have_count(1)
    await expect(box).to_have_value("")
    # Two sent at once: the second waits for the first, then goes too, in order.
    for text in ("Первое подряд", "Второе подряд"):
        await box.fill(text)
        await box.press("Enter")
    await expect(page.locator("li.pending")).to_have_count(0)
    mine = page.locator(".history > li.msg.mine:not(.pending)")
    await expect(mine.nth(-2)).to_contain_text("Первое подряд")
    await expect(mine.last).to_contain_text("Второе подряд")


async def test_a_send_whose_answer_was_lost_is_retried_and_stored_once(talk: Talk, person: Person) -> None:
    page = await person(DESKTOP)
    await use_tokens(page, talk.teacher, f"/chats/{talk.chat['id']}")
    lost: list[str] = []

    async def lose_the_first_answer(route: Any) -> None:
        if route.request.method == "POST" and not lost:
            lost.append(route.request.post_data or "")
            await route.fetch()  # the server stores the message...
            await route.abort()  # ...and the answer never reaches the page
        else:
            await route.continue_()

    await page.route("**/api/v1/chats/*/messages", lose_the_first_answer)
    box = page.get_by_label("Сообщение", exact=True)
    await box.press_sequentially("Ответ потерялся по дороге")
    await box.press("Enter")
    await expect(page.locator("li.pending.failed")).to_contain_text("Не отправлено")
    await page.locator("li.pending.failed").get_by_role("button", name="Повторить").click()
    sent = page.locator(".history > li.msg.mine:not(.pending)", has_text="Ответ потерялся по дороге")
    await expect(sent).to_have_count(1)
    assert lost
    assert '"client_id"' in lost[0]
    await page.reload()
    await expect(sent).to_have_count(1)


async def test_my_message_arriving_live_before_its_answer_is_shown_once(talk: Talk, person: Person) -> None:
    page = await person(DESKTOP)
    await use_tokens(page, talk.student, f"/chats/{talk.chat['id']}")
    await expect(page.locator(".live-status")).to_have_attribute("data-live", "live")
    held: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

    async def hold_the_answer(route: Any) -> None:
        if route.request.method != "POST":
            await route.continue_()
            return
        response = await route.fetch()  # stored and published live at once...
        await held  # ...while the answer to the send waits
        await route.fulfill(response=response)

    await page.route("**/api/v1/chats/*/messages", hold_the_answer)
    box = page.get_by_label("Сообщение", exact=True)
    await box.fill("Пришло раньше ответа")
    await box.press("Enter")
    bubbles = page.locator(".history > li.msg", has_text="Пришло раньше ответа")
    await expect(bubbles.and_(page.locator(":not(.pending)"))).to_have_count(1)  # by the socket
    await expect(bubbles).to_have_count(1)  # and not a second, waiting one beside it
    held.set_result(None)
    await expect(page.locator("li.pending")).to_have_count(0)
    await expect(bubbles).to_have_count(1)


async def test_plural_and_day_labels_speak_russian(talk: Talk, person: Person) -> None:
    page = await person()
    await use_tokens(page, talk.student, "/profile")
    await expect(page.get_by_role("heading", name="Профиль")).to_be_visible()
    words = await page.evaluate(
        """async () => {
            const { plural, dayLabel } = await import('/static/ui.js');
            const forms = ['ссылка', 'ссылки', 'ссылок'];
            const now = new Date(2026, 11, 3, 12, 0);
            return [1, 2, 5, 11, 21, 22, 25, 111, 0].map((n) => plural(n, forms)).concat([
                dayLabel(new Date(2026, 11, 3, 8, 0).toISOString(), now),
                dayLabel(new Date(2026, 11, 2, 23, 0).toISOString(), now),
                dayLabel(new Date(2026, 10, 20, 9, 0).toISOString(), now),
                dayLabel(new Date(2025, 10, 20, 9, 0).toISOString(), now),
            ]);
        }"""
    )
    assert words == [
        "1 ссылка",
        "2 ссылки",
        "5 ссылок",
        "11 ссылок",
        "21 ссылка",
        "22 ссылки",
        "25 ссылок",
        "111 ссылок",
        "0 ссылок",
        "Сегодня",
        "Вчера",
        "20 ноября",
        "20 ноября 2025 г.",
    ]
