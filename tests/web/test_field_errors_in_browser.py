"""A refusal about one field is shown under that field (issue 11, item 4): the application form
with a wrong INN — the server names the field (`error.field`), the page puts the reason under
«ИНН», marks it invalid and focuses it; the error goes once the form is sent again."""

from __future__ import annotations

import re

from playwright.async_api import expect

from tests.support.platform import Platform
from tests.support.schools import PDF, application
from tests.web.browser import Person, serious_violations, use_tokens


async def test_a_wrong_tax_id_is_shown_under_its_field(platform: Platform, person: Person) -> None:
    tokens = await platform.sign_in("careless.secretary@field-errors.example")
    page = await person()
    await use_tokens(page, tokens, "/apply")
    body = application(1313, "+79120131313", tax_id="1234567890")
    await page.get_by_label("Полное название").fill(body["name"])
    await page.get_by_label("Регион").fill(body["region"])
    await page.get_by_label("Адрес").fill(body["address"])
    await page.get_by_label("ИНН").fill(body["tax_id"])
    await page.get_by_label("ФИО назначенного администратора").fill(body["admin_full_name"])
    await page.get_by_label("E-mail администратора").fill(body["admin_email"])
    await page.get_by_label("Мобильный телефон администратора").fill(body["admin_phone"])
    await page.get_by_label(re.compile("^Приказ о назначении")).set_input_files(
        {"name": "prikaz.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    await page.get_by_role("button", name="Отправить заявку").click()
    tax_id = page.get_by_label("ИНН")
    row = page.locator(".field", has=tax_id)
    await expect(row.get_by_role("alert")).to_contain_text("ИНН организации — 10 цифр")
    await expect(tax_id).to_have_attribute("aria-invalid", "true")
    await expect(tax_id).to_be_focused()
    await expect(row.get_by_role("alert")).to_be_in_viewport()
    assert await serious_violations(page) == [], "the application form with a field error"
    # Corrected, the error goes and the application is sent.
    await tax_id.fill(application(1313, "+79120131313")["tax_id"])
    await page.get_by_role("button", name="Отправить заявку").click()
    await expect(page.get_by_role("heading", name="Заявка отправлена")).to_be_visible()
