"""The school's first steps in real browsers (issue 6, first slice): the operator approves an
application, the administrator builds 5А and creates a teacher's link, the teacher opens it,
signs in and joins, and the administrator verifies them — the badge shows (R-ORG-2..7, R-ROLE-2,
R-INV-1, R-INV-5). Screenshots of the main screens are taken on the way (PARTA_SCREENSHOTS=1)."""

from __future__ import annotations

import os
import re

from playwright.async_api import Page, expect

from tests.support.http import bearer
from tests.support.platform import Platform
from tests.support.schools import add_operator, application
from tests.web.browser import DESKTOP, PHONE, SCREENSHOTS, Person, give_name, shoot, sign_in

OPERATOR = "+79990000601"
ADMIN_PHONE = "+79120060060"
TEACHER = "teacher@web.example"
SCHOOL = "МБОУ «Школа № 601»"


async def test_operator_approves_and_administrator_builds_a_class_and_teacher_joins_by_link(
    platform: Platform, person: Person
) -> None:
    await add_operator(platform, OPERATOR)
    applicant = await platform.sign_in("secretary601@web.example")
    submitted = await platform.http.post(
        "/api/v1/applications", headers=bearer(applicant), json=application(601, ADMIN_PHONE)
    )
    assert submitted.status_code == 201, submitted.text

    # The sign-in screen, with the dev mailbox panel (the platform runs in development mode).
    operator = await person()
    await operator.goto("/")
    await expect(operator.get_by_role("heading", name="Вход в Парту")).to_be_visible()
    await shoot(operator, "sign-in")
    await operator.get_by_label("Телефон или e-mail").fill(OPERATOR)
    await operator.get_by_role("button", name="Получить код").click()
    await expect(operator.get_by_role("heading", name="Почтовый ящик разработчика")).to_be_visible()
    await shoot(operator, "code")
    await operator.get_by_label("Код из сообщения").fill(await platform.sms.code_for(OPERATOR))
    await operator.get_by_role("button", name="Войти", exact=True).click()
    await give_name(operator, "Ирина", "Операторова")  # the first sign-in asks the name

    # R-ORG-2: the operator console lists the application and approves it.
    await operator.get_by_role("link", name="Оператор", exact=True).click()
    card = operator.get_by_role("article", name=SCHOOL)
    await expect(card).to_contain_text("Петрова Анна Сергеевна")
    await shoot(operator, "operator")
    await card.get_by_role("button", name="Одобрить").click()
    await expect(operator.get_by_role("status")).to_contain_text("одобрена")
    await operator.get_by_label("Статус заявок").select_option("approved")
    await expect(operator.get_by_role("article", name=SCHOOL)).to_contain_text("одобрена")

    # R-ORG-3: the person with the application's phone is the administrator.
    admin = await person()
    await sign_in(admin, platform, ADMIN_PHONE)
    # Home is the chats list of the school, named in the header.
    await expect(admin.get_by_role("heading", name="Чаты", exact=True)).to_be_visible()
    await expect(admin.locator(".org-name")).to_have_text(SCHOOL)
    await admin.get_by_role("link", name="Управление").click()
    # R-ORG-4, R-ORG-7: the details and the journal link, which members then see.
    await admin.get_by_label("Ссылка на электронный журнал и дневник").fill(
        "https://journal.example/school601"
    )
    await admin.get_by_role("button", name="Сохранить").click()
    await expect(admin.get_by_role("status")).to_contain_text("сохранены")
    await shoot(admin, "admin-details")

    # R-ORG-6: a name off the nomenclature is refused with the rule; 5А is created.
    await admin.get_by_role("link", name="Структура").click()
    await admin.get_by_label("Название класса").fill("15Б")
    await admin.get_by_role("button", name="Создать класс").click()
    # R-ORG-6: the rule stays in data-rule; people read the reason, never the code.
    await expect(admin.get_by_role("alert")).to_have_attribute("data-rule", "R-ORG-6")
    await expect(admin.get_by_role("alert")).to_contain_text("от 1 до 11")
    await expect(admin.get_by_role("alert")).not_to_contain_text("R-ORG-6")
    await admin.get_by_label("Название класса").fill("5А")
    await admin.get_by_role("button", name="Создать класс").click()
    await expect(admin.get_by_role("status")).to_contain_text("Класс 5А создан")
    await expect(admin.locator(".rows")).to_contain_text("5А")
    await shoot(admin, "admin-structure")

    # R-INV-1: a teacher's link to the staff room.
    await admin.get_by_role("link", name="Приглашения").click()
    await admin.get_by_label("Класс или учительская").select_option(label="Учительская (сотрудники)")
    await admin.get_by_label("Роль", exact=True).select_option("teacher")
    await admin.get_by_label("Метка").fill("Смирнова Ольга")
    await admin.get_by_role("button", name="Создать ссылку").click()
    link_box = admin.locator("#created-link")
    await expect(link_box).to_have_value(re.compile(r"/invite/"))
    link = await link_box.input_value()
    await expect(admin.locator(".rows")).to_contain_text("Смирнова Ольга")
    # Its QR code, drawn by the gateway as SVG and shown from a blob: URL (allowed by the CSP).
    qr = admin.get_by_role("img", name="QR-код ссылки: приглашение «Смирнова Ольга»")
    await expect(qr).to_have_attribute("src", re.compile(r"^blob:"))
    assert await qr.evaluate("image => image.complete && image.naturalWidth > 0")
    await expect(admin.get_by_role("button", name="Печать")).to_be_enabled()
    if os.environ.get("PARTA_SCREENSHOTS") == "1":  # the created link with its QR code, as printed
        await admin.set_viewport_size(DESKTOP)  # the phone's tab bar would lie over the picture
        await admin.locator(".created").screenshot(path=str(SCREENSHOTS / "admin-invite-qr.png"))
        await admin.set_viewport_size(PHONE)
    await shoot(admin, "admin-invites")

    # R-INV-5: the teacher sees where the link leads, signs in, and joins.
    teacher = await person()
    await teacher.goto(link)
    await expect(teacher.get_by_role("heading", name="Приглашение в организацию")).to_be_visible()
    preview = teacher.locator("dl")
    await expect(preview).to_contain_text(SCHOOL)
    await expect(preview).to_contain_text("Учительская")
    await expect(preview).to_contain_text("учитель")
    await shoot(teacher, "invite")
    await sign_in(teacher, platform, TEACHER, path="")
    await teacher.get_by_role("button", name="Вступить").click()
    await expect(teacher.get_by_role("heading", name=SCHOOL)).to_be_visible()
    await expect(teacher.get_by_role("link", name="Открыть электронный журнал")).to_have_attribute(
        "href", "https://journal.example/school601"
    )
    await expect(teacher.get_by_label("Мои роли")).to_contain_text("учитель")
    await shoot(teacher, "organisation")

    # R-ROLE-2: the administrator verifies the teacher; the badge shows in the members list.
    await admin.get_by_role("link", name="Участники").click()
    await _until_visible(admin, "Подтвердить")
    await shoot(admin, "admin-members")
    await admin.get_by_role("button", name="Подтвердить").click()
    await expect(admin.get_by_role("status")).to_contain_text("подтверждён")
    for _ in range(50):
        if await admin.locator("tr .verified").count():
            break
        await admin.get_by_role("button", name="Обновить").click()
        await admin.wait_for_timeout(100)
    await expect(admin.locator("tr", has=admin.locator(".verified"))).to_contain_text("учитель")

    # R-PRIV-1: inside the school people appear by the name they chose, not by an id.
    await teacher.get_by_role("link", name="Профиль").click()
    await teacher.get_by_label("Имя в Парте").fill("Ольга Николаевна")
    await teacher.get_by_role("button", name="Сохранить").click()
    await expect(teacher.get_by_role("status")).to_be_visible()
    await admin.get_by_role("button", name="Обновить").click()
    await expect(admin.locator("tr", has=admin.locator(".verified"))).to_contain_text("Ольга Николаевна")

    # Profile and sessions; "Выйти" ends the session and shows the sign-in screen.
    await teacher.get_by_role("link", name="Профиль").click()
    await expect(teacher.get_by_role("heading", name="Сеансы и устройства")).to_be_visible()
    await expect(teacher.get_by_text("это устройство")).to_be_visible()
    await shoot(teacher, "profile")
    await teacher.get_by_role("button", name="Выйти").click()
    await expect(teacher.get_by_role("heading", name="Вход в Парту")).to_be_visible()


async def _until_visible(page: Page, button: str) -> None:
    """The verification is recorded by identity as the join's event arrives: refresh until it does."""
    for _ in range(50):
        if await page.get_by_role("button", name=button).count():
            return
        await page.get_by_role("button", name="Обновить").click()
        await page.wait_for_timeout(100)
    await expect(page.get_by_role("button", name=button)).to_be_visible()
