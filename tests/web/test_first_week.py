"""A school's first week, in the browser only (issue 11): every step is clicks and typing on the
page, codes from the dev mailbox panel, never an API call to set something up. The administrator
works at 1280×800; teachers, students and parents on 390×844 phones.

The application goes from the «Подключить организацию» form; the operator approves it and the
applicant reads so in the mailbox (R-ORG-2, R-ORG-3); the administrator builds 5А (R-ORG-6), invites
a teacher, appoints her class teacher and maths teacher from the class card (R-ROLE-4); students join
by a link and by the join code with the class chosen, a mother by the QR code of the parents' link,
naming her child (R-INV-1, R-INV-3, R-ROLE-6); everyone gives a name at the door; the class teacher
creates the class chat and the parents' chat and invites the class, who accept after reading the
rules (R-CHAT-1, R-CHAT-4, R-CHAT-5); they talk, with a poll and a file (R-CHAT-3); the teacher
records a violation and the student is reminded (R-MOD-2); the mother asks the administrator for
help and reads the answer (R-PRIV-4); the administrator reads the week's statistics (R-STAT-1).

Every screen is checked for «null», «undefined», «Без имени», «Участник № …» and rule codes, and
axe-core finds no serious or critical violation; after opening a chat and after sending, the newest
message is in the window and not under the composer."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator

import pytest_asyncio
from playwright.async_api import Locator, Page, expect

from tests.support.platform import Infra, Platform
from tests.support.schools import PDF, add_operator
from tests.web.browser import (
    DESKTOP,
    PHONE,
    Person,
    assert_readable,
    dev_mailbox_platform,
    open_chats,
    serious_violations,
    shoot,
    sign_in_by_the_panel,
)
from tests.web.ui_steps import (
    apply_for_the_school,
    approve_in_the_console,
    create_class,
    join_by_link,
    make_link,
    open_class_card,
)


@pytest_asyncio.fixture(scope="module")
async def platform(database_url: str, infra: Infra) -> AsyncIterator[Platform]:
    """As under `make run`: codes and notices go to the dev mailbox the sign-in screen shows."""
    async with dev_mailbox_platform(database_url, infra) as running:
        yield running


SEED = 1207
OPERATOR = "+79990012070"
ADMIN_PHONE = "+79120120701"
TEACHER = "sokolova@first-week.example"
MISHA = "misha@first-week.example"
KATYA = "katya@first-week.example"
OLGA = "+79160120702"


async def check(page: Page, where: str) -> None:
    """What people read is readable, and axe-core finds no serious or critical violation — on the
    phone's screen and the desktop's (the page goes back to its own size after)."""
    original = page.viewport_size
    for size in (PHONE, DESKTOP):
        await page.set_viewport_size(size)
        await assert_readable(page, f"{where} at {size['width']} px")
        assert await serious_violations(page) == [], f"{where} at {size['width']} px"
    if original:
        await page.set_viewport_size(original)


async def newest_in_view(page: Page) -> None:
    """The newest message's box is inside the window and above the composer."""
    last = page.locator(".history > li.msg").last
    await expect(last).to_be_in_viewport()
    box = await last.bounding_box()
    composer = await page.locator("form.composer").bounding_box()
    viewport = page.viewport_size
    assert box is not None
    assert composer is not None
    assert viewport is not None
    assert box["y"] + box["height"] <= min(composer["y"] + 1, viewport["height"]), (box, composer)


async def choose(select: Locator, starts_with: str) -> None:
    """Pick the option of a select whose text starts with `starts_with` (a name, maybe with a note)."""
    option = select.locator("option", has_text=re.compile("^" + re.escape(starts_with)))
    await expect(option).to_have_count(1)
    await select.select_option(await option.get_attribute("value"))


async def send(page: Page, text: str) -> None:
    box = page.get_by_label("Сообщение", exact=True)
    await box.fill(text)
    await box.press("Enter")
    await expect(page.locator(".history > li.msg.mine:not(.pending)", has_text=text)).to_have_count(1)
    await newest_in_view(page)


async def accept_invitation(page: Page, chat_title: str) -> None:
    """R-CHAT-4, R-CHAT-5: the invitation on the chats list, the rules, «Принимаю правила»."""
    await open_chats(page)
    invitations = page.get_by_role("list", name="Приглашения в чаты")
    for _ in range(50):  # messaging learns of new members by events: a reload shows the invitation
        if await invitations.filter(has_text=chat_title).count():
            break
        await page.wait_for_timeout(200)
        await page.reload()
    await (
        invitations.get_by_role("listitem")
        .filter(has_text=chat_title)
        .get_by_role("button", name="Принять")
        .click()
    )
    await page.get_by_role("button", name="Принимаю правила").click()
    await expect(page.get_by_role("heading", name=chat_title)).to_be_visible()
    await newest_in_view_or_empty(page)


async def newest_in_view_or_empty(page: Page) -> None:
    if await page.locator(".history > li.msg").count():
        await newest_in_view(page)


async def test_a_schools_first_week_in_the_browser_only(platform: Platform, person: Person) -> None:
    await add_operator(platform, OPERATOR)  # operator staff are configured by the operator, not applied for

    # R-ORG-2: the application, from the form, with its appointing order.
    secretary = await person()
    school = await apply_for_the_school(secretary, SEED, ADMIN_PHONE)
    await check(secretary, "the application sent")
    operator = await person(DESKTOP)
    await approve_in_the_console(operator, OPERATOR, school)

    # R-ORG-3: the applicant is told; the administrator signs in with the application's phone,
    # reads the approval in the dev mailbox and gives a name at the door.
    admin = await person(DESKTOP)
    approved = f"заявка организации «{school}» одобрена"
    await sign_in_by_the_panel(admin, ADMIN_PHONE, ("Анна", "Петрова"), panel_shows=approved)
    await expect(admin.locator(".org-name")).to_have_text(school)
    await expect(admin.locator("#who")).to_have_text("Анна Петрова")
    await check(admin, "the administrator's home")

    # R-ORG-6: 5А; R-INV-1: a teacher's link to the staff room; the teacher joins on her phone.
    await create_class(admin, "5А")
    staff_link = await make_link(admin, "Учительская", "teacher")
    teacher = await person()
    await join_by_link(teacher, staff_link, TEACHER, ("Елена", "Соколова"), school)
    await check(teacher, "the teacher joined")

    # R-ROLE-4: the class card: Елена Соколова is 5А's class teacher and its maths teacher.
    await open_class_card(admin, "5А")
    await choose(admin.get_by_label("Учитель", exact=True), "Елена Соколова")
    await admin.get_by_role("button", name="Назначить", exact=True).click()
    await expect(
        admin.get_by_role("status").filter(has_text="Классный руководитель 5А: Елена Соколова")
    ).to_be_visible()
    await admin.get_by_label("Предмет", exact=True).fill("Математика")
    await choose(admin.get_by_label("Учитель предмета"), "Елена Соколова")
    await admin.get_by_role("button", name="Назначить учителя").click()
    await expect(
        admin.get_by_role("status").filter(has_text="Математика в 5А: Елена Соколова")
    ).to_be_visible()
    await check(admin, "the class card")
    await shoot(admin, "first-week-class-card")

    # R-INV-1: the students' link; Миша joins by it on his phone.
    student_link = await make_link(admin, "5А", "student")
    misha = await person()
    await join_by_link(misha, student_link, MISHA, ("Миша", "Смирнов"), school)

    # R-ROLE-6: the parents' link's QR code (what it encodes is what the mother's camera opens).
    parents_link = await make_link(admin, "5А", "parent")
    item = admin.locator("li.invite", has_text="Ссылка для родителей")
    async with admin.expect_request("**/api/v1/qr") as drawn:
        await item.get_by_role("button", name="Показать QR-код").click()
    scanned = json.loads((await drawn.value).post_data or "{}")["text"]
    assert scanned == parents_link
    await check(admin, "the invites with a QR code")
    olga = await person()
    await olga.goto(scanned)
    await sign_in_by_the_panel(olga, OLGA, ("Ольга", "Смирнова"), path="")
    await olga.get_by_label("Ваш ребёнок", exact=True).select_option(label="Миша Смирнов")
    await olga.get_by_label("Кем вы приходитесь ребёнку").select_option("mother")
    await check(olga, "the parent's invite")
    await olga.get_by_role("button", name="Вступить").click()
    await expect(olga.locator(".org-name")).to_have_text(school)

    # R-INV-3: Катя asks by the join code from «Реквизиты», choosing her class.
    await admin.get_by_role("link", name="Управление").click()
    await admin.get_by_role("link", name="Реквизиты").click()
    join_code = (await admin.locator(".code").first.inner_text()).strip()
    katya = await person()
    await sign_in_by_the_panel(katya, KATYA, ("Катя", "Иванова"))
    await katya.get_by_role("link", name="Вступить по коду").first.click()
    await katya.get_by_label("Код организации").fill(join_code)
    await katya.get_by_role("button", name="Найти").click()
    ask = katya.get_by_role("form", name="Заявка на вступление")
    await ask.get_by_label("Я вступаю как").select_option("student")
    await ask.get_by_label("Класс").select_option(label="5А")
    await check(katya, "the join request")
    await ask.get_by_role("button", name="Отправить заявку").click()
    await expect(katya.get_by_role("status").filter(has_text="Заявка отправлена")).to_be_visible()
    await admin.get_by_role("link", name="Заявки").click()
    request = admin.get_by_role("listitem").filter(has_text="Катя Иванова")
    await expect(request).to_contain_text("5А")
    await check(admin, "the join requests")
    await request.get_by_role("button", name="Принять").click()
    await expect(admin.get_by_role("status").filter(has_text="Заявка принята")).to_be_visible()

    # R-CHAT-1: the class teacher creates the class chat and the parents' chat and invites the class.
    for kind, title in (("class", "5А: класс"), ("parents", "5А: родители")):
        await open_chats(teacher)
        await teacher.get_by_role("button", name="Новый чат").click()
        await teacher.get_by_label("Вид чата").select_option(kind)
        await teacher.get_by_label("Класс", exact=True).select_option(label="5А")
        await teacher.get_by_role("button", name="Создать чат").click()
        await expect(teacher.get_by_role("heading", name=title)).to_be_visible()
        await teacher.get_by_role("button", name="О чате").click()
        await teacher.get_by_role("button", name="Пригласить весь класс").click()
        await expect(teacher.get_by_role("status").filter(has_text="Отправлено")).to_be_visible()
        await teacher.get_by_role("button", name="Закрыть").click()

    # R-CHAT-4, R-CHAT-5: Миша and Катя accept the class chat, Ольга the parents' chat.
    await accept_invitation(misha, "5А: класс")
    await send(misha, "Здравствуйте, Елена Викторовна! Что задали по математике?")
    await check(misha, "the class chat, Миша")
    await accept_invitation(katya, "5А: класс")
    await accept_invitation(olga, "5А: родители")
    await send(olga, "Добрый день! Во сколько собрание?")

    # The class teacher sees who writes, by name; answers with a reply, a poll and a file (R-CHAT-3).
    await teacher.get_by_role("link", name="Все чаты").click()
    chats = teacher.get_by_role("list", name="Мои чаты")
    await expect(chats.get_by_role("listitem").first).to_contain_text("Ольга Смирнова")
    await check(teacher, "the teacher's chats list")
    await shoot(teacher, "first-week-chats")
    await chats.get_by_role("link", name="5А: класс").click()
    question = teacher.locator(".history > li.msg", has_text="Что задали по математике?")
    await expect(question.locator(".msg-author")).to_have_text("Миша Смирнов")
    await newest_in_view(teacher)
    await question.get_by_role("button", name="Действия с сообщением").click()
    await question.get_by_role("button", name="Ответить").click()
    await send(teacher, "§12, задачи 3–5.")
    await teacher.get_by_role("button", name="Опрос", exact=True).click()
    await teacher.get_by_label("Вопрос").fill("Когда удобнее провести консультацию?")
    options = teacher.get_by_label(re.compile(r"^Вариант \d+$"))
    await options.nth(0).fill("Во вторник")
    await options.nth(1).fill("В четверг")
    await teacher.get_by_role("button", name="Опубликовать опрос").click()
    await expect(teacher.locator(".history fieldset legend").last).to_have_text(
        "Когда удобнее провести консультацию?"
    )
    async with teacher.expect_file_chooser() as chooser:
        await teacher.get_by_role("button", name="Прикрепить файл").click()
    await (await chooser.value).set_files(
        {"name": "Задачи.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    await expect(teacher.get_by_text("Загружен")).to_be_visible()
    await teacher.get_by_role("button", name="Отправить").click()
    await expect(
        teacher.locator(".history > li.msg.mine").last.get_by_role("link", name=re.compile("Задачи.pdf"))
    ).to_be_visible()
    await newest_in_view(teacher)
    await check(teacher, "the class chat with a poll and a file")
    await shoot(teacher, "first-week-chat")

    # Миша votes and sees the file; the parents' chat names the mother with her child.
    await expect(misha.locator(".history fieldset")).to_be_visible(timeout=10_000)
    await misha.get_by_role("radio", name="В четверг").check()
    await misha.get_by_role("button", name="Голосовать").click()
    await expect(misha.get_by_role("button", name="Изменить голос")).to_be_visible()
    await expect(misha.get_by_role("link", name=re.compile("Задачи.pdf"))).to_be_visible()
    await newest_in_view(misha)
    await teacher.get_by_role("link", name="Все чаты").click()
    await chats.get_by_role("link", name="5А: родители").click()
    greeting = teacher.locator(".history > li.msg", has_text="Во сколько собрание?")
    await expect(greeting.locator(".msg-author")).to_have_text("Ольга Смирнова, мама Миши Смирнова")
    await send(teacher, "В четверг в 18:00, кабинет 21.")
    await expect(olga.locator(".history > li.msg", has_text="В четверг в 18:00")).to_be_visible(
        timeout=10_000
    )
    await newest_in_view(olga)
    await check(olga, "the parents' chat, Ольга")
    await shoot(olga, "first-week-parents-chat")

    # R-MOD-2: the class teacher records a violation; Миша is reminded of the rule.
    await teacher.get_by_role("link", name="Все чаты").click()
    await chats.get_by_role("link", name="5А: класс").click()
    await teacher.get_by_role("button", name="О чате").click()
    await teacher.get_by_role("link", name="Модерация чата").click()
    record = teacher.get_by_role("group", name="Записать нарушение")
    await choose(record.get_by_label("Участник"), "Миша Смирнов")
    await record.get_by_label("Нарушенное правило").select_option("2")
    await record.get_by_label("Комментарий").fill("Пожалуйста, без капслока.")
    await record.get_by_role("button", name="Записать нарушение").click()
    await expect(teacher.get_by_role("status").filter(has_text="Нарушение записано")).to_be_visible()
    await check(teacher, "moderation")
    await misha.reload()
    await expect(misha.get_by_text("Напоминание модератора")).to_be_visible()
    await check(misha, "the class chat with a reminder")

    # R-PRIV-4: the mother asks the administrator; the console counts it; she reads the answer.
    await open_chats(olga)
    await olga.get_by_role("link", name="Школа").click()
    await olga.get_by_role("link", name="Написать в поддержку").click()
    await olga.get_by_label("Администратору организации").check()
    await olga.get_by_label("Тема").fill("Справка для бассейна")
    await olga.get_by_label("Что случилось").fill("Где взять справку для бассейна?")
    await olga.get_by_role("button", name="Отправить обращение").click()
    await expect(olga.get_by_role("status").first).to_be_visible()
    await admin.reload()
    support = admin.locator("a[data-tab=support]")
    await expect(support.locator(".tab-count")).to_have_text("1")
    await support.click()
    answer = admin.get_by_role("form", name="Ответ на обращение «Справка для бассейна»")
    await answer.get_by_label("Ответ").fill("Справку выдаёт медсестра, кабинет 12.")
    await answer.get_by_role("button", name="Сохранить").click()
    await check(admin, "the support requests")
    await expect(olga.get_by_role("status").filter(has_text="Ответ на ваше обращение")).to_be_visible(
        timeout=10_000
    )
    await olga.reload()
    await expect(olga.get_by_text("Справку выдаёт медсестра, кабинет 12.")).to_be_visible()
    await check(olga, "the mother's support page")

    # R-STAT-1: the week's statistics count the week's messages.
    await admin.get_by_role("link", name="Статистика").click()
    table = admin.get_by_role("table", name="Сообщения по неделям")
    this_week = table.get_by_role("row").last
    for _ in range(50):  # statistics are counted from events
        if int((await this_week.get_by_role("cell").last.inner_text()).strip() or 0) >= 6:
            break
        await admin.wait_for_timeout(200)
        await admin.reload()
    assert int((await this_week.get_by_role("cell").last.inner_text()).strip()) >= 6
    await check(admin, "statistics")
    await shoot(admin, "first-week-statistics")
