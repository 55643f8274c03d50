"""A school-wide broadcast (R-MEDIA-2) set up in the browser only: the secretary applies, the
operator approves (R-ORG-2), the administrator invites three teachers by staff room links (R-INV-1)
and plans «Педагогический час» in «Трансляции» — a presenter, the staff as the audience. The
presenter opens it from «Трансляции» and publishes the fake camera and microphone; the two other
teachers see the notice on their chats screen, press «Смотреть», receive the presenter's video and
sound, have no publish controls (and no publisher connection: a viewer cannot publish), and ask
questions the presenter sees in «Вопросы зрителей» and hides one."""

from __future__ import annotations

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
    serious_violations,
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


SEED = 1416
OPERATOR = "+79990014160"
ADMIN_PHONE = "+79120141601"
PRESENTER = ("ivanova@broadcast.example", ("Мария", "Иванова"))
VIEWERS = (("orlov@broadcast.example", ("Пётр", "Орлов")), ("belova@broadcast.example", ("Ирина", "Белова")))
TITLE = "Педагогический час"


async def plan_the_broadcast(admin: Page) -> None:
    """R-MEDIA-2: «Трансляции» → «Запланировать трансляцию»: title, presenter, the staff."""
    await admin.get_by_role("link", name="Трансляции").click()
    await admin.get_by_text("Запланировать трансляцию").click()
    await admin.get_by_label("Название").fill(TITLE)
    await admin.get_by_label(" ".join(PRESENTER[1])).check()
    await admin.get_by_label("Сотрудники").check()
    await shoot(admin, "broadcast-plan")
    await admin.get_by_role("button", name="Запланировать", exact=True).click()
    await expect(admin.get_by_role("status").filter(has_text="запланирована")).to_be_visible()
    await expect(admin.locator(".broadcast-card").filter(has_text=TITLE)).to_be_visible()
    assert await serious_violations(admin) == []
    await assert_readable(admin, "the broadcasts list")
    await shoot(admin, "broadcast-list")


async def test_a_head_broadcasts_to_the_staff_set_up_in_the_browser(
    platform: Platform, caller: Person, live_calls: None
) -> None:
    await add_operator(platform, OPERATOR)

    secretary = await caller()
    school = await apply_for_the_school(secretary, SEED, ADMIN_PHONE)
    operator = await caller(DESKTOP)
    await approve_in_the_console(operator, OPERATOR, school)
    admin = await caller(DESKTOP)
    await sign_in_by_the_panel(admin, ADMIN_PHONE, ("Анна", "Петрова"))
    await expect(admin.locator(".org-name")).to_have_text(school)

    teachers = []
    for email, name in (PRESENTER, *VIEWERS):
        staff_link = await make_link(admin, "Учительская", "teacher")
        teacher = await caller()
        await join_by_link(teacher, staff_link, email, name, school)
        teachers.append(teacher)
    presenter, *viewers = teachers

    await plan_the_broadcast(admin)
    # The audience's open pages are told live (a toast), the presenter that they present.
    await expect(viewers[0].locator(".notice-toast").filter(has_text=TITLE)).to_be_visible()
    await expect(presenter.locator(".notice-toast").filter(has_text="Вы ведёте трансляцию")).to_be_visible()

    # The presenter starts it from «Трансляции» and publishes the fake camera and microphone.
    await presenter.get_by_role("link", name="Трансляции").click()
    await (
        presenter.locator(".broadcast-card")
        .filter(has_text=TITLE)
        .get_by_role("link", name="Вести трансляцию")
        .click()
    )
    await expect(presenter.get_by_role("toolbar", name="Управление звонком")).to_be_visible()
    await expect(presenter.get_by_role("button", name="Камера")).to_be_visible()
    speaker = await session_of(presenter)

    # The viewers: the notice on their chats screen, «Смотреть».
    for viewer in viewers:
        await viewer.get_by_role("link", name="Чаты", exact=True).click()
        notice = viewer.locator(".broadcast-notice").filter(has_text=TITLE)
        await expect(notice).to_be_visible()
        if viewer is viewers[0]:
            await assert_readable(viewer, "the chats screen with the broadcast's notice")
            await shoot(viewer, "broadcast-notice")
        await notice.get_by_role("link", name="Смотреть").click()
        await expect(viewer.get_by_role("heading", name=TITLE)).to_be_visible()
        await receives(viewer, [(speaker, "camera"), (speaker, "microphone")])
        # A viewer cannot publish: no microphone, camera or screen, and no publisher connection.
        await expect(viewer.get_by_role("button", name="Камера")).to_be_hidden()
        await expect(viewer.get_by_role("button", name="Микрофон")).to_be_hidden()
        assert await viewer.evaluate("() => window.__parta_call.publisher") is None
        await expect(viewer.locator(".call-grid > li.tile")).to_have_count(1)  # the presenter only

    first, second = viewers
    await first.get_by_label("Задать вопрос").fill("Когда педсовет по итогам четверти?")
    await first.get_by_role("button", name="Задать вопрос").click()
    await expect(first.get_by_role("status").filter(has_text="Вопрос отправлен")).to_be_visible()
    await second.get_by_label("Задать вопрос").fill("Нужно ли готовить отчёты?")
    await second.get_by_role("button", name="Задать вопрос").click()
    await expect(second.get_by_role("status").filter(has_text="Вопрос отправлен")).to_be_visible()
    await assert_readable(first, "the viewer's screen")
    assert await serious_violations(first) == []
    await shoot(first, "broadcast-viewer")

    questions = presenter.locator(".broadcast-question")
    await expect(questions).to_have_count(2, timeout=15_000)
    await expect(questions.first).to_contain_text("Пётр Орлов")
    await expect(questions.first).to_contain_text("Когда педсовет по итогам четверти?")
    await assert_readable(presenter, "the presenter's screen")
    assert await serious_violations(presenter) == []
    await shoot(presenter, "broadcast-presenter")
    await questions.filter(has_text="отчёты").get_by_role("button", name="Скрыть").click()
    await expect(questions).to_have_count(1)

    for page in [*viewers, presenter]:
        await page.get_by_role("button", name="Выйти").click()
        await expect(page.get_by_role("heading", name="Трансляции")).to_be_visible()
