"""A staff council's call in a school set up in the browser only (issue 13 on top of issue 11's
first week): every step before the call is clicks and typing on the page, codes from the dev
mailbox panel, never an API call. The secretary applies, the operator approves (R-ORG-2), the
administrator invites two teachers by staff room links (R-INV-1), creates «Педсовет» and its
chat link (R-CHAT-1, R-CHAT-6); the teachers join it after accepting its rules (R-CHAT-5). The
administrator calls from the chat, the teachers join from theirs, and each page receives the other
two (R-MEDIA-1; only the chat's members are in it, R-MEDIA-3)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest_asyncio
from playwright.async_api import Page, expect

from tests.support.platform import Infra, Platform
from tests.support.schools import add_operator
from tests.web.browser import (
    DESKTOP,
    Person,
    assert_readable,
    dev_mailbox_platform,
    shoot,
    sign_in_by_the_panel,
)
from tests.web.calls.peers import receives, session_of
from tests.web.ui_steps import apply_for_the_school, approve_in_the_console, join_by_link, make_link


@pytest_asyncio.fixture(scope="module")
async def platform(database_url: str, infra: Infra) -> AsyncIterator[Platform]:
    """As under `make run`: codes go to the dev mailbox the sign-in screen shows."""
    async with dev_mailbox_platform(database_url, infra) as running:
        yield running


SEED = 1314
OPERATOR = "+79990013140"
ADMIN_PHONE = "+79120131401"
TEACHERS = (("smirnova@council.example", ("Ольга", "Смирнова")), ("orlov@council.example", ("Пётр", "Орлов")))
CHAT = "Педсовет"


async def chat_link(admin: Page) -> str:
    """R-CHAT-6: «О чате» → «Ссылка-приглашение» → «Создать ссылку»; returns the link."""
    await admin.get_by_role("button", name="О чате").click()
    await admin.get_by_text("Ссылка-приглашение", exact=True).click()
    await admin.get_by_role("button", name="Создать ссылку").click()
    box = admin.get_by_label("Ссылка — покажется один раз, сохраните её")
    await expect(box).to_have_value(re.compile(r"/chat-link/"))
    link = await box.input_value()
    await admin.get_by_role("button", name="Закрыть").click()
    return link


async def join_chat_by_link(page: Page, link: str) -> None:
    """R-CHAT-5: the chat link, its rules accepted, «Вступить»."""
    await page.goto(link)
    await page.get_by_label("Я прочитал(а) правила чата и принимаю их").check()
    await page.get_by_role("button", name="Вступить").click()
    await expect(page.get_by_role("heading", name=CHAT)).to_be_visible()


async def test_a_staff_council_calls_in_a_school_set_up_in_the_browser(
    platform: Platform, caller: Person, live_calls: None
) -> None:
    await add_operator(platform, OPERATOR)  # operator staff are configured by the operator

    secretary = await caller()
    school = await apply_for_the_school(secretary, SEED, ADMIN_PHONE)
    operator = await caller(DESKTOP)
    await approve_in_the_console(operator, OPERATOR, school)
    admin = await caller(DESKTOP)
    await sign_in_by_the_panel(admin, ADMIN_PHONE, ("Анна", "Петрова"))
    await expect(admin.locator(".org-name")).to_have_text(school)

    teachers = []
    for email, name in TEACHERS:
        staff_link = await make_link(admin, "Учительская", "teacher")  # a personal link, used once
        teacher = await caller()
        await join_by_link(teacher, staff_link, email, name, school)
        teachers.append(teacher)

    await admin.get_by_role("link", name="Чаты", exact=True).click()
    await admin.get_by_role("button", name="Новый чат").click()
    await admin.get_by_label("Вид чата").select_option("other")
    await admin.get_by_label("Название").fill(CHAT)
    await admin.get_by_role("button", name="Создать чат").click()
    await expect(admin.get_by_role("heading", name=CHAT)).to_be_visible()
    link = await chat_link(admin)
    for teacher in teachers:
        await join_chat_by_link(teacher, link)

    # The call: the administrator calls, the teachers see «Идёт звонок» live and join.
    await admin.get_by_role("button", name="Позвонить").click()
    toolbar = admin.get_by_role("toolbar", name="Управление звонком")
    await expect(toolbar).to_be_visible()
    for teacher in teachers:
        join = teacher.get_by_role("button", name="Присоединиться")
        await expect(join).to_be_visible(timeout=10_000)
        await join.click()
        await expect(teacher.get_by_role("toolbar", name="Управление звонком")).to_be_visible()

    pages = [admin, *teachers]
    sessions = [await session_of(page) for page in pages]
    for page, mine in zip(pages, sessions, strict=True):
        others = [(s, source) for s in sessions if s != mine for source in ("camera", "microphone")]
        await receives(page, others)
        await expect(page.locator(".call-people-list > li, .call-grid > li.tile")).not_to_have_count(0)
        await assert_readable(page, "the council's call")
    await admin.get_by_role("button", name="Участники").click()
    await expect(admin.locator(".call-person")).to_have_count(3)
    for _, (first, last) in TEACHERS:
        await expect(admin.locator(".call-people-list")).to_contain_text(f"{first} {last}")
    await shoot(admin, "call-council")

    for page in pages:
        await page.get_by_role("button", name="Выйти").click()
        await expect(page.get_by_role("toolbar", name="Управление звонком")).to_have_count(0)
        await expect(page.get_by_role("form", name="Новое сообщение")).to_be_visible()
