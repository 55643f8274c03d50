"""Text from people can never run in the page (issue 6): markup in a display name, an
organisation's name and an invite label is shown literally, and the Content-Security-Policy
allows no inline script at all."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from playwright.async_api import Page, expect

from services.gateway.webclient.serve import WEB_ROOT
from tests.support.http import bearer
from tests.support.platform import Platform
from tests.support.schools import PDF, add_operator, approved_school, tax_id
from tests.web.browser import Person, use_tokens

IMG = '<img src=x onerror="window.__pwned=1">'
SCRIPT = "<script>window.__pwned=1</script>"
OPERATOR = "+79990000602"
ADMIN_PHONE = "+79120060061"


async def assert_nothing_ran(page: Page) -> None:
    await page.wait_for_timeout(100)  # an <img onerror> would fire by now
    assert await page.evaluate("typeof window.__pwned") == "undefined"
    # The only images: an invite link's QR code (an SVG from the gateway, through a blob: URL).
    assert await page.locator("img:not(.qr-picture img)").count() == 0
    assert await page.locator("main script").count() == 0


async def test_message_text_can_never_run(platform: Platform, person: Person) -> None:
    await add_operator(platform, OPERATOR)
    operator_tokens = await platform.sign_in(OPERATOR)

    # A display name with markup: identity refuses it (visibly), and the page never runs it.
    somebody = await person()
    await use_tokens(somebody, await platform.sign_in("markup@web.example"), "/profile")
    await somebody.get_by_label("Имя в Парте").fill(IMG)
    await somebody.get_by_role("button", name="Сохранить").click()
    await expect(somebody.get_by_role("alert")).to_contain_text("недопустимые символы")
    await expect(somebody.get_by_label("Имя в Парте")).to_have_value(IMG)
    await assert_nothing_ran(somebody)
    await somebody.get_by_label("Имя в Парте").fill("Мария Ивановна")
    await somebody.get_by_role("button", name="Сохранить").click()
    await expect(somebody.get_by_role("status")).to_contain_text("Профиль сохранён")
    await expect(somebody.locator("#who")).to_have_text("Мария Ивановна")
    await assert_nothing_ran(somebody)

    # An organisation's name with markup, sent through the application form (document by FileReader).
    await somebody.get_by_role("link", name="Подключить организацию").first.click()
    name = f"Школа {IMG} {SCRIPT}"
    await somebody.get_by_label("Полное название").fill(name)
    await somebody.get_by_label("Регион").fill("Свердловская область")
    await somebody.get_by_label("Адрес", exact=True).fill("г. Екатеринбург, ул. Мира, д. 1")
    await somebody.get_by_label("ИНН").fill(tax_id(603))
    await somebody.get_by_label("ФИО назначенного администратора").fill("Иванов Иван Иванович")
    await somebody.get_by_label("E-mail администратора").fill("director@markup.example")
    await somebody.get_by_label("Мобильный телефон администратора").fill("+79120060099")
    await somebody.get_by_label(re.compile("Приказ о назначении")).set_input_files(
        files=[{"name": "prikaz.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    await somebody.get_by_role("button", name="Отправить заявку").click()
    await expect(somebody.get_by_role("heading", name="Заявка отправлена")).to_be_visible()
    await expect(somebody.locator("main")).to_contain_text(name)
    await assert_nothing_ran(somebody)

    operator = await person()
    await use_tokens(operator, operator_tokens, "/operator")
    card = operator.get_by_role("article", name=name)
    await expect(card.get_by_role("heading")).to_have_text(name)
    await assert_nothing_ran(operator)
    applications = await platform.http.get("/api/v1/applications", headers=bearer(operator_tokens))
    assert any(a["name"] == name for a in applications.json()["applications"])

    # An invite label with markup, in the administrator's list of links.
    school = await approved_school(platform, operator_tokens, 602, ADMIN_PHONE)
    patched = await platform.http.patch(
        f"/api/v1/orgs/{school.id}",
        headers=bearer(school.admin),
        json={"journal_url": "javascript:window.__pwned=1"},
    )
    admin = await person()
    await use_tokens(admin, school.admin, f"/admin/{school.id}/invites")
    await admin.get_by_label("Метка").fill(IMG + SCRIPT)
    await admin.get_by_role("button", name="Создать ссылку").click()
    await expect(admin.locator("#created-link")).to_have_value(re.compile("/invite/"))
    await expect(admin.locator(".rows strong").first).to_have_text(IMG + SCRIPT)
    await assert_nothing_ran(admin)
    # A journal link that is not http(s) is never made a link (whether or not the API kept it).
    await admin.get_by_role("link", name="Школа", exact=True).click()
    await expect(admin.get_by_role("heading", name="Электронный журнал и дневник")).to_be_visible()
    if patched.status_code == 200:
        await expect(admin.get_by_role("link", name="Открыть электронный журнал")).to_have_count(0)
    await assert_nothing_ran(admin)


class _Scripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.inline: list[str] = []
        self.styles: list[str] = []
        self.external: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if any(name.startswith("on") for name in found):
            self.inline.append(f"<{tag} {found}>")
        if "style" in found or tag == "style":
            self.styles.append(tag)
        if tag == "script":
            if found.get("src"):
                self.external.append(str(found["src"]))
            else:
                self._in_script = True

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.inline.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False


async def test_the_page_allows_no_inline_script(platform: Platform) -> None:
    for path in ("/", "/invite/some-token", "/admin/x/invites"):
        response = await platform.http.get(path)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        policy = response.headers["content-security-policy"]
        directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
        assert directives["script-src"] == "'self'"
        assert "unsafe-inline" not in policy
        assert "unsafe-eval" not in policy
        assert directives["object-src"] == "'none'"
        page = _Scripts()
        page.feed(response.text)
        assert page.inline == []
        assert page.styles == []
        assert page.external == ["/static/app.js"]
    # No module builds HTML from strings.
    for module in WEB_ROOT.rglob("*.js"):
        text = module.read_text()
        for sink in (
            "innerHTML",
            "outerHTML",
            "insertAdjacentHTML",
            "document.write",
            "eval(",
            "new Function",
        ):
            assert sink not in text or module.name == "dom.js", f"{sink} in {module}"
    assert (await platform.http.get("/api/v1/nothing")).headers["content-type"].startswith("application/json")
