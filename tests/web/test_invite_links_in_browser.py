"""A class's parents' link in real browsers, set up through the UI only (issue 11, item 5): an
application is sent from the «Подключить организацию» form, the operator approves it, the
administrator (1280×800) builds 5Б and creates its parents' link — multi-use by default, as many
uses as the class needs (R-INV-2) — shows its QR code again after a reload, and opens the A4
handout, whose print view holds the school, the class, the QR code and the link. The list and
the handout work on a 390×844 phone too; axe-core finds nothing serious on the handout."""

from __future__ import annotations

import re
from typing import Any

from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Page, expect

from tests.support.platform import Platform
from tests.support.schools import add_operator
from tests.web.browser import DESKTOP, PHONE, Person, shoot, sign_in
from tests.web.ui_steps import send_the_application

SEED = 677
OPERATOR = "+79990000677"
ADMIN_PHONE = "+79120067701"
SCHOOL = f"МБОУ «Школа № {SEED}»"
AXE = Axe()
FORBIDDEN = re.compile(r"\bnull\b|\bundefined\b|Без имени|R-[A-Z]+-\d")


async def serious_violations(page: Page) -> list[dict[str, Any]]:
    results = await AXE.run(page)
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]]}
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


async def apply_through_the_form(page: Page, platform: Platform) -> None:
    """The school's secretary sends the application with its appointing order from the page."""
    await sign_in(page, platform, f"secretary{SEED}@web.example")
    await send_the_application(page, SEED, ADMIN_PHONE)


async def approve(page: Page, platform: Platform) -> None:
    await sign_in(page, platform, OPERATOR)
    await page.get_by_role("link", name="Оператор", exact=True).click()
    card = page.get_by_role("article", name=SCHOOL)
    await card.get_by_role("button", name="Одобрить").click()
    await expect(page.get_by_role("status")).to_contain_text("одобрена")


async def assert_clean_text(page: Page) -> None:
    text = await page.locator("body").inner_text()
    assert not FORBIDDEN.search(text), FORBIDDEN.search(text)


async def test_a_class_parents_link_is_multi_use_shown_again_and_printed_as_a_handout(
    platform: Platform, person: Person
) -> None:
    await add_operator(platform, OPERATOR)
    await apply_through_the_form(await person(), platform)
    await approve(await person(DESKTOP), platform)

    admin = await person(DESKTOP)
    await sign_in(admin, platform, ADMIN_PHONE)
    await expect(admin.locator(".org-name")).to_have_text(SCHOOL)
    await admin.get_by_role("link", name="Управление").click()
    await admin.get_by_role("link", name="Структура").click()
    await admin.get_by_label("Название класса").fill("5Б")
    await admin.get_by_role("button", name="Создать класс").click()
    await expect(admin.locator(".rows")).to_contain_text("5Б")

    # R-INV-2: the parents' link serves the whole class — no «max uses» typed in.
    await admin.get_by_role("link", name="Приглашения").click()
    choice = admin.get_by_label("Класс или учительская")
    await choice.select_option(await choice.locator("option", has_text="5Б").get_attribute("value"))
    await admin.get_by_label("Роль", exact=True).select_option("parent")
    await admin.get_by_role("button", name="Создать ссылку").click()
    link = await admin.locator("#created-link").input_value()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/invite/[A-Za-z0-9_-]{32}", link), link
    item = admin.locator("li.invite", has_text="Ссылка для родителей")
    await expect(item).to_contain_text("5Б")
    await expect(item).to_contain_text("Использований: 0 из 80")

    # A QR code that can be shown again: after a reload, from the list.
    await admin.reload()
    item = admin.locator("li.invite", has_text="Ссылка для родителей")
    await expect(item).to_contain_text("Использований: 0 из 80")
    await item.get_by_role("button", name="Показать QR-код").click()
    qr = item.get_by_role("img", name=re.compile("^QR-код ссылки"))
    await expect(qr).to_have_attribute("src", re.compile(r"^blob:"))
    assert await qr.evaluate("image => image.complete && image.naturalWidth > 0")
    await expect(item.locator(".qr-link")).to_have_text(link)
    await expect(item.get_by_role("button", name="Скрыть QR-код")).to_have_attribute("aria-expanded", "true")
    await assert_clean_text(admin)

    # The A4 handout: school, class, whom it is for, the QR code, the link, the expiry, three steps.
    await item.get_by_role("button", name="Памятка для печати").click()
    handout = admin.get_by_role("article", name=SCHOOL)
    await expect(handout).to_contain_text("Класс 5Б")
    await expect(handout).to_contain_text("для родителей")
    await expect(handout.locator(".handout-link")).to_have_text(link)
    await expect(handout).to_contain_text("Ссылка действует до")
    await expect(handout.locator("ol li")).to_have_count(3)
    await expect(handout.locator("ol")).to_contain_text("нажмите «Вступить»")
    handout_qr = handout.get_by_role("img", name=re.compile("^QR-код ссылки-приглашения для родителей"))
    await expect(handout_qr).to_have_attribute("src", re.compile(r"^blob:"))
    await expect(admin.get_by_role("button", name="Печать")).to_be_enabled()
    await assert_clean_text(admin)
    assert await serious_violations(admin) == [], "handout, desktop"
    await shoot(admin, "admin-invite-handout")

    # The print view: only the handout is on the sheet.
    await admin.emulate_media(media="print")
    for text in (SCHOOL, "Класс 5Б", link):
        await expect(handout.get_by_text(text, exact=False).first).to_be_visible()
    await expect(handout_qr).to_be_visible()
    assert await handout_qr.evaluate("image => image.complete && image.naturalWidth > 0")
    await expect(admin.get_by_role("button", name="Печать")).to_be_hidden()
    await expect(admin.get_by_role("link", name="Структура")).to_be_hidden()
    await admin.emulate_media(media="screen")

    # On a phone: the handout fits, and back in the list the QR code opens again.
    await admin.set_viewport_size(PHONE)
    assert await serious_violations(admin) == [], "handout, phone"
    fits = await handout.evaluate("el => el.scrollWidth <= document.documentElement.clientWidth")
    assert fits, "the handout is wider than a 390 px phone"
    await admin.get_by_role("button", name="Назад к ссылкам").click()
    item = admin.locator("li.invite", has_text="Ссылка для родителей")
    await item.get_by_role("button", name="Показать QR-код").click()
    await expect(item.get_by_role("img", name=re.compile("^QR-код ссылки"))).to_have_attribute(
        "src", re.compile(r"^blob:")
    )
    assert await serious_violations(admin) == [], "invites list with a QR code, phone"
