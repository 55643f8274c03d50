"""axe-core in the browser (issue 6): the sign-in screen, the administrator's console (with an invite
link's QR code), the support pages have no "serious" or "critical" accessibility violations, on a
phone and on a desktop. The moderation screens are checked in test_moderation_in_browser.py."""

from __future__ import annotations

from playwright.async_api import expect

from tests.support.platform import Platform
from tests.support.schools import add_operator, approved_school
from tests.web.browser import DESKTOP, Person, serious_violations, use_tokens

OPERATOR = "+79990000603"
ADMIN_PHONE = "+79120060062"


async def test_sign_in_screen_has_no_serious_violations(platform: Platform, person: Person) -> None:
    for viewport in (None, DESKTOP):
        page = await (person(viewport) if viewport else person())
        await page.goto("/")
        await expect(page.get_by_role("heading", name="Вход в Парту")).to_be_visible()
        await page.get_by_label("Я ученик и вхожу с e-mail родителя").check()
        await expect(page.get_by_label("Имя ученика")).to_be_visible()
        assert await serious_violations(page) == []
    # The code step, with the dev mailbox panel and an error shown.
    await page.get_by_label("Я ученик и вхожу с e-mail родителя").uncheck()
    await page.get_by_label("Телефон или e-mail").fill("+79120060063")
    await page.get_by_role("button", name="Получить код").click()
    await expect(page.get_by_role("heading", name="Почтовый ящик разработчика")).to_be_visible()
    await page.get_by_label("Код из сообщения").fill("000000")
    await page.get_by_role("button", name="Войти", exact=True).click()
    await expect(page.get_by_role("alert")).to_be_visible()
    assert await serious_violations(page) == []
    # Asking again within the minute: 429, with the wait from Retry-After.
    await page.get_by_role("button", name="Изменить телефон или e-mail").click()
    await page.get_by_role("button", name="Получить код").click()
    await expect(page.get_by_role("alert")).to_contain_text("Повторите через")
    await expect(page.get_by_role("button", name="У меня уже есть код")).to_be_visible()


async def test_administrator_console_has_no_serious_violations(platform: Platform, person: Person) -> None:
    await add_operator(platform, OPERATOR)
    operator_staff = await platform.sign_in(OPERATOR)
    school = await approved_school(platform, operator_staff, 603, ADMIN_PHONE)
    for viewport in (None, DESKTOP):
        page = await (person(viewport) if viewport else person())
        await use_tokens(page, school.admin, f"/org/{school.id}")
        await expect(page.get_by_role("heading", name="МБОУ «Школа № 603»")).to_be_visible()
        assert await serious_violations(page) == [], "organisation page"
        for tab, heading in (
            ("details", "Реквизиты организации"),
            ("structure", "Новый класс"),
            ("invites", "Новая ссылка-приглашение"),
            ("requests", "Заявки на вступление"),
            ("members", "Участники"),
            ("movement", "Выбытие"),
            ("statistics", "Статистика по неделям"),
            ("support", "Обращения к администратору"),
        ):
            await page.goto(f"/admin/{school.id}/{tab}")
            await expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
            assert await serious_violations(page) == [], tab
        # An invite link just created, with its QR code (img with alt text) and «Печать».
        await page.goto(f"/admin/{school.id}/invites")
        await page.get_by_role("button", name="Создать ссылку").click()
        await expect(page.get_by_role("button", name="Печать")).to_be_enabled()
        assert await serious_violations(page) == [], "invite QR code"
        # R-PRIV-4: the member's support page.
        await page.goto(f"/org/{school.id}/support")
        await expect(page.get_by_role("heading", name="Новое обращение")).to_be_visible()
        assert await serious_violations(page) == [], "support"
    operator = await person()
    await use_tokens(operator, operator_staff, "/operator/support")
    await expect(operator.get_by_role("heading", name="Обращения к оператору")).to_be_visible()
    assert await serious_violations(operator) == [], "operator's support requests"
    await page.goto("/profile")
    await expect(page.get_by_role("heading", name="Сеансы и устройства")).to_be_visible()
    assert await serious_violations(page) == [], "profile"
