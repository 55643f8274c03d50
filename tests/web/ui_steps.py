"""Steps of a school's first week as a person does them in the browser, for the story tests: each
is clicks and typing on the page only (codes read in the dev mailbox panel), never a call to the
API. They need the platform of `tests.web.conftest.dev_mailbox_platform`."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from tests.support.schools import PDF, application
from tests.web.browser import sign_in_by_the_panel


async def apply_for_the_school(page: Page, seed: int, admin_phone: str) -> str:
    """R-ORG-2: a secretary signs in and sends the application with its appointing order from
    «Подключить организацию»; returns the school's name."""
    await sign_in_by_the_panel(page, f"secretary{seed}@first-week.example", ("Вера", "Секретарёва"))
    return await send_the_application(page, seed, admin_phone)


async def send_the_application(page: Page, seed: int, admin_phone: str) -> str:
    """R-ORG-2: someone signed in and in no organisation yet fills «Подключить организацию» (the
    school of `tests.directory.helpers.application(seed)`) with its appointing order and sends it."""
    body = application(seed, admin_phone)
    await page.get_by_role("link", name="Подключить организацию").first.click()
    await page.get_by_label("Полное название").fill(body["name"])
    await page.get_by_label("Регион").fill(body["region"])
    await page.get_by_label("Адрес").fill(body["address"])
    await page.get_by_label("ИНН").fill(body["tax_id"])
    await page.get_by_label("ФИО назначенного администратора").fill(body["admin_full_name"])
    await page.get_by_label("E-mail администратора").fill(body["admin_email"])
    await page.get_by_label("Мобильный телефон администратора").fill(admin_phone)
    await page.get_by_label(re.compile("^Приказ о назначении")).set_input_files(
        {"name": "prikaz.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    await page.get_by_role("button", name="Отправить заявку").click()
    await expect(page.get_by_role("heading", name="Заявка отправлена")).to_be_visible()
    return str(body["name"])


async def approve_in_the_console(page: Page, operator: str, school: str) -> None:
    """R-ORG-2: operator staff approve the application in «Оператор»."""
    await sign_in_by_the_panel(page, operator, ("Ирина", "Операторова"))
    await page.get_by_role("link", name="Оператор", exact=True).click()
    await page.get_by_role("article", name=school).get_by_role("button", name="Одобрить").click()
    await expect(page.get_by_role("status").filter(has_text="одобрена")).to_be_visible()


async def create_class(admin: Page, name: str) -> None:
    """R-ORG-6: «Управление» → «Структура» → a class by the nomenclature."""
    await admin.get_by_role("link", name="Управление").click()
    await admin.get_by_role("link", name="Структура").click()
    await admin.get_by_label("Название класса").fill(name)
    await admin.get_by_role("button", name="Создать класс").click()
    await expect(admin.get_by_role("status").filter(has_text=f"Класс {name} создан")).to_be_visible()


async def make_link(admin: Page, where: str, role: str) -> str:
    """R-INV-1: a link in «Приглашения» for a class (or «Учительская») and a role; returns it."""
    await admin.get_by_role("link", name="Управление").click()
    await admin.get_by_role("link", name="Приглашения").first.click()
    choice = admin.get_by_label("Класс или учительская")
    await choice.select_option(await choice.locator("option", has_text=where).first.get_attribute("value"))
    await admin.get_by_label("Роль", exact=True).select_option(role)
    await admin.get_by_role("button", name="Создать ссылку").click()
    box = admin.locator("#created-link")
    await expect(box).to_have_value(re.compile(r"/invite/"))
    return await box.input_value()


async def open_class_card(admin: Page, class_name: str) -> None:
    await admin.get_by_role("link", name="Управление").click()
    await admin.get_by_role("link", name="Структура").click()
    await admin.get_by_role("link", name=class_name, exact=True).click()
    await expect(admin.get_by_role("heading", name=f"Класс {class_name}")).to_be_visible()


async def join_by_link(page: Page, link: str, destination: str, name: tuple[str, str], school: str) -> None:
    """R-INV-5: open the link, sign in there, give the name, «Вступить»."""
    await page.goto(link)
    await expect(page.get_by_role("heading", name="Приглашение в организацию")).to_be_visible()
    await sign_in_by_the_panel(page, destination, name, path="")
    await page.get_by_role("button", name="Вступить").click()
    await expect(page.locator(".org-name")).to_have_text(school)
